import { z } from 'zod';

/**
 * Tuning of the delivery engine, from the environment (validated when first read; the worker
 * reads it at start). Defaults suit production; tests shorten the leases to resume quickly.
 */
const schema = z.object({
  /**
   * A chunk claimed longer ago than this is considered abandoned (its worker died) and may be
   * claimed again. It must exceed one multicast call with all its retries; each job also stops
   * its own retries at 80% of it, so a live job never overlaps its successor. Overlap would still
   * send nothing twice (same retry key), it would only waste a request.
   */
  DELIVERY_CHUNK_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** A run still snapshotting after this long is retried by the sweeper. */
  DELIVERY_RUN_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** How often the sweeper looks for due deliveries and stuck runs and chunks. */
  DELIVERY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).max(3_600_000).default(60_000),
  /**
   * Jobs one worker process runs at once. LINE's 200 multicasts/s per channel need about
   * 200 × (LINE's answer time) requests in flight across all workers; the shared Redis limiter
   * keeps every worker together under the limit.
   */
  DELIVERY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(16),
  /**
   * Multicast requests per second per channel that all workers together make (Redis-shared).
   * LINE's documented limit is the default; lower it to leave room for other senders. Higher
   * values only make sense against the LINE emulator (the benchmark measures the engine without
   * LINE's ceiling that way).
   */
  DELIVERY_MULTICAST_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(200),
  /**
   * Open figures (DEL-8) come from LINE's per-unit statistics, which LINE publishes a few days
   * after sending and keeps updating: a sent run's figures are fetched this often after it was
   * sent, for this many days (each fetch costs one of the channel's 60 insight requests an hour).
   */
  DELIVERY_OPENS_FETCH_EVERY_HOURS: z.coerce
    .number()
    .min(0.001)
    .max(24 * 7)
    .default(24),
  DELIVERY_OPENS_FETCH_DAYS: z.coerce.number().min(0.001).max(30).default(14),
  /** How often the results sweeper queues due fetches (and schedules runs it finds without one). */
  DELIVERY_RESULTS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(200).max(86_400_000).default(600_000),
});

export interface DeliveryConfig {
  chunkLeaseSeconds: number;
  runLeaseSeconds: number;
  sweepIntervalMs: number;
  concurrency: number;
  multicastPerSecond: number;
  opensFetchEveryHours: number;
  opensFetchDays: number;
  resultsSweepIntervalMs: number;
}

/**
 * LINE keeps a retry key for 24 hours. A chunk not accepted within 23 hours of its creation is
 * failed instead of retried: after that, a retry could no longer be recognised as a repeat.
 */
export const CHUNK_RETRY_WINDOW_SECONDS = 23 * 3600;

let cached: DeliveryConfig | undefined;

export function deliveryConfig(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  if (cached && env === process.env) return cached;
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid delivery configuration:\n${lines}`);
  }
  const c: DeliveryConfig = {
    chunkLeaseSeconds: r.data.DELIVERY_CHUNK_LEASE_SECONDS,
    runLeaseSeconds: r.data.DELIVERY_RUN_LEASE_SECONDS,
    sweepIntervalMs: r.data.DELIVERY_SWEEP_INTERVAL_MS,
    concurrency: r.data.DELIVERY_WORKER_CONCURRENCY,
    multicastPerSecond: r.data.DELIVERY_MULTICAST_PER_SECOND,
    opensFetchEveryHours: r.data.DELIVERY_OPENS_FETCH_EVERY_HOURS,
    opensFetchDays: r.data.DELIVERY_OPENS_FETCH_DAYS,
    resultsSweepIntervalMs: r.data.DELIVERY_RESULTS_SWEEP_INTERVAL_MS,
  };
  if (env === process.env) cached = c;
  return c;
}

/** Tests change the configuration of this process. */
export function setDeliveryConfig(c: Partial<DeliveryConfig> | undefined): void {
  cached = c ? { ...deliveryConfig(), ...c } : undefined;
}
