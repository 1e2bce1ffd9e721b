import { Queue, type ConnectionOptions } from 'bullmq';
import { config } from '../config/config.js';

/** BullMQ connection options from REDIS_URL (BullMQ opens its own connections). */
export function bullConnection(): ConnectionOptions {
  const u = new URL(config().REDIS_URL);
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
  return new Queue(MAINTENANCE_QUEUE, { connection: bullConnection() });
}
