import { createPostgresBackend, Queue, setDefaultBackendFactory, type ConnectionOptions } from 'bullmq';
import { config } from '../config/config.js';

let backendChosen = false;

/**
 * The connection every BullMQ Queue and Worker is built with. Redis in production; in the
 * embedded mode of a fresh clone, BullMQ's PostgreSQL backend on the project's database.
 */
export function queueConnection(): ConnectionOptions {
  const cfg = config();
  if (cfg.QUEUE_BACKEND === 'postgres') {
    if (!backendChosen) {
      setDefaultBackendFactory(createPostgresBackend as never);
      backendChosen = true;
    }
    return {
      connectionString: cfg.QUEUE_DATABASE_URL ?? cfg.DATABASE_OWNER_URL,
      schema: 'bullmq',
      migrate: true,
    } as never;
  }
  const u = new URL(cfg.REDIS_URL);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

export const MAINTENANCE_QUEUE = 'maintenance';

export function maintenanceQueue(): Queue {
  return new Queue(MAINTENANCE_QUEUE, { connection: queueConnection() });
}
