import { Queue } from 'bullmq';
import { queueConnection } from '../../platform/queue/queues.js';

export const LINE_EVENTS_QUEUE = 'line-events';

export interface ProcessUserEventsJob {
  tenantId: string;
  channelKind: 'production' | 'test';
  userId: string | null;
}
export interface ForwardEventsJob {
  tenantId: string;
  channelKind: 'production' | 'test';
  eventIds: string[];
}

let queue: Queue | undefined;
export function lineEventsQueue(): Queue {
  queue ??= new Queue(LINE_EVENTS_QUEUE, {
    connection: queueConnection(),
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    },
  });
  return queue;
}

export async function closeLineEventsQueue(): Promise<void> {
  await queue?.close();
  queue = undefined;
}

/**
 * One job per stored event; the job processes every pending event of that user in timestamp
 * order, so the job id only dedupes, and order never depends on which job runs first.
 */
export async function enqueueUserEvents(
  events: Array<ProcessUserEventsJob & { rowId: string }>,
): Promise<void> {
  if (events.length === 0) return;
  await lineEventsQueue().addBulk(
    events.map((e) => ({
      name: 'process-user-events',
      data: {
        tenantId: e.tenantId,
        channelKind: e.channelKind,
        userId: e.userId,
      } satisfies ProcessUserEventsJob,
      opts: { jobId: `ev-${e.tenantId}-${e.rowId}` },
    })),
  );
}

/**
 * Coalesces the enqueues of many webhook requests into one addBulk every few milliseconds: the
 * webhook answers first, and Redis sees one round trip per batch instead of one per request.
 * A batch that fails to enqueue is left to the sweeper (the events stay 'received').
 */
export class EnqueueBatcher {
  private buffer: Array<ProcessUserEventsJob & { rowId: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly flushFn: (items: Array<ProcessUserEventsJob & { rowId: string }>) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 10,
    private readonly maxBatch = 500,
  ) {}
  push(items: Array<ProcessUserEventsJob & { rowId: string }>): void {
    this.buffer.push(...items);
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) this.flushFn(batch).catch(this.onError);
  }
}
