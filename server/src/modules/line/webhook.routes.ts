import express, { Router } from 'express';
import { logger } from '../../platform/log/logger.js';
import type { ChannelKind } from './channels.service.js';
import { EnqueueBatcher, enqueueUserEvents } from './line-queue.js';
import { ingestWebhook } from './webhook-ingest.js';

/**
 * `/webhook/<slug>` (production channel) and `/webhook/<slug>/test` (test channel): raw body →
 * signature → dedupe → store → 200 at once; the worker processes the events. LINE counts an
 * answer after 2 s as a timeout, so nothing slow happens before the answer.
 */
export function webhookRouter(): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: '2mb' });
  const batcher = new EnqueueBatcher(enqueueUserEvents, (err) =>
    logger.error({ err }, 'could not enqueue webhook events; the sweeper will'),
  );
  const handle = (kind: ChannelKind) =>
    [
      raw,
      async (req: express.Request, res: express.Response) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await ingestWebhook(String(req.params.slug), kind, body, req.get('x-line-signature'));
        if (result.status !== 200) {
          logger.warn({ slug: req.params.slug, kind, reason: result.reason }, 'webhook refused');
          res.status(result.status).json({ message: result.reason });
          return;
        }
        res.status(200).json({});
        if (result.held || result.stored.length === 0) return;
        // After the answer: a failed enqueue is picked up by the sweeper (events stay 'received').
        batcher.push(
          result.stored.map((s) => ({
            tenantId: result.tenantId,
            channelKind: kind,
            userId: s.userId,
            rowId: s.rowId,
          })),
        );
      },
    ] as const;
  r.post('/:slug', ...handle('production'));
  r.post('/:slug/test', ...handle('test'));
  return r;
}
