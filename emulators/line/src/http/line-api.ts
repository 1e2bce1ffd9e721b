import express, { type Request, type Response } from 'express';
import type { Ctx, Endpoints, Result } from '../api/types.js';
import { RETRY_KEY, newRequestId } from '../ids.js';
import { Issues } from '../limits/issues.js';
import { schemaError } from '../openapi/errors.js';
import { loadOperations, matchOperation, pathKnown, type Operation } from '../openapi/load.js';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { RequestRecord } from '../state/types.js';
import type { WebhookSender } from '../webhook/sender.js';
import type { FaultRule } from './faults.js';
import { LineError, MESSAGES, badRequest } from './line-error.js';

/**
 * The Messaging API pipeline, in LINE's order of checks, for every path of the OpenAPI files:
 *   request id → route → bearer token → fault (before acceptance) → rate limit → body (size, JSON)
 *   → query → retry key (format, allowed, 409) → schema + LINE's limits → handler → retry key kept
 *   → fault (after acceptance: delivered, but the answer is lost)
 * Every answer carries X-Line-Request-Id and is recorded for GET /_emulator/requests.
 */
const JSON_MAX_BYTES = 2 * 1024 * 1024;
const RAW_MAX = '12mb';
const LOGGED_BODY_MAX = 64 * 1024;

export function lineApi(state: EmulatorState, webhooks: WebhookSender, endpoints: Endpoints) {
  const ops = loadOperations();
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: RAW_MAX }));
  router.use(async (req: Request, res: Response) => {
    const urlPath = req.baseUrl + req.path;
    const match = matchOperation(ops, req.method, urlPath);
    const requestId = newRequestId();
    res.setHeader('X-Line-Request-Id', requestId);
    if (!match && !pathKnown(ops, urlPath)) return void res.status(404).json({ message: MESSAGES.notFound });
    const started = performance.now();
    const record: RequestRecord = {
      requestId,
      method: req.method,
      path: urlPath,
      status: 0,
      at: state.now(),
      durationMs: 0,
    };
    let faultAfter: FaultRule | undefined;
    try {
      if (!match) throw new LineError(405, { message: 'Method not allowed' });
      const { op, params } = match;
      record.endpoint = op.operationId;
      const endpoint = endpoints[op.operationId];
      if (!endpoint)
        throw new LineError(404, { message: `The emulator does not implement ${op.operationId}` });
      const channel = authenticate(state, req);
      record.channelId = channel.id;

      const fault = state.faults.draw(channel.id, op.operationId, op.path);
      if (fault) record.fault = fault.fault;
      if (fault && !fault.fault.startsWith('accepted-')) return await inject(fault, res, record);
      faultAfter = fault;

      const rule = state.rateLimiter.ruleFor(op.operationId, channel.config.rateLimits);
      if (!state.rateLimiter.take(channel.id, op.operationId, rule, state.now()))
        throw new LineError(429, { message: MESSAGES.rateLimited });

      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const contentType = req.headers['content-type'] ?? '';
      const body = parseBody(op, raw, contentType);
      // Kept for inspection; big bodies only by size, so a long run's log stays small.
      record.requestBody =
        op.validateBody && raw.length <= LOGGED_BODY_MAX
          ? body
          : raw.length
            ? { bytes: raw.length, contentType }
            : undefined;
      const query = checkQuery(op, req);
      const retryKey = checkRetryKey(op, req, channel, state);
      record.retryKey = retryKey;

      const ctx: Ctx = {
        state,
        channel,
        webhooks,
        op,
        params,
        query,
        body,
        raw,
        contentType,
        requestId,
        retryKey,
        now: state.now(),
      };
      if (op.validateBody && !op.validateBody(body)) throw schemaError(op.validateBody.errors ?? []);
      if (endpoint.check) {
        const issues = new Issues();
        endpoint.check(issues, body, ctx);
        if (!issues.ok) throw badRequest(issues.list);
      }
      const result = await endpoint.handle(ctx);
      if (retryKey)
        channel.retryKeys.set(retryKey, {
          requestId,
          acceptedAt: ctx.now,
          endpoint: op.operationId,
          sentMessages: (result.body as { sentMessages?: [] } | undefined)?.sentMessages,
        });
      if (faultAfter) return await inject(faultAfter, res, record);
      send(res, result, record);
    } catch (e) {
      if (!(e instanceof LineError)) console.error('LINE emulator: handler failed', e);
      const err = e instanceof LineError ? e : new LineError(500, { message: MESSAGES.internal });
      send(res, { status: err.status, body: err.body, headers: err.headers }, record);
    } finally {
      record.durationMs = Math.round((performance.now() - started) * 10) / 10;
      state.logRequest(record);
    }
  });
  // Bodies over the parser's cap never reach the pipeline: answer as LINE does for > 2 MB.
  router.use((err: { status?: number }, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (err?.status !== 413) return next(err);
    res.setHeader('X-Line-Request-Id', newRequestId());
    res.status(413).json({ message: MESSAGES.tooLarge });
  });
  return router;
}

function authenticate(state: EmulatorState, req: Request): ChannelState {
  const header = req.headers.authorization;
  if (!header || !/^Bearer\s+\S+/i.test(header)) throw new LineError(401, { message: MESSAGES.authMissing });
  const channel = state.channelByToken(header.replace(/^Bearer\s+/i, '').trim());
  if (!channel) throw new LineError(401, { message: MESSAGES.authFailed });
  return channel;
}

function parseBody(op: Operation, raw: Buffer, contentType: string): unknown {
  if (!op.validateBody) return undefined;
  if (raw.length > JSON_MAX_BYTES) throw new LineError(413, { message: MESSAGES.tooLarge });
  if (!/^application\/json\b/i.test(contentType))
    throw new LineError(415, { message: MESSAGES.unsupportedMedia });
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new LineError(400, { message: MESSAGES.malformedJson });
  }
}

function checkQuery(op: Operation, req: Request): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') query[k] = v;
  if (op.validateQuery && !op.validateQuery({ ...query })) {
    const err = schemaError(op.validateQuery.errors ?? []);
    throw err.status === 400 && err.body.details ? badRequest(err.body.details) : err;
  }
  return query;
}

/** Retry keys: only where LINE supports them, a UUID, and once accepted, 409 for 24 hours. */
function checkRetryKey(
  op: Operation,
  req: Request,
  channel: ChannelState,
  state: EmulatorState,
): string | undefined {
  const key = req.headers['x-line-retry-key'];
  if (key === undefined) return undefined;
  if (!op.acceptsRetryKey) throw new LineError(400, { message: MESSAGES.retryKeyNotSupported });
  if (typeof key !== 'string' || !RETRY_KEY.test(key))
    throw new LineError(400, { message: MESSAGES.retryKeyInvalid });
  const k = key.toLowerCase();
  const seen = channel.retryKeys.get(k);
  if (seen && state.now() - seen.acceptedAt < 24 * 3600_000) {
    throw new LineError(
      409,
      { message: MESSAGES.retryAccepted, ...(seen.sentMessages ? { sentMessages: seen.sentMessages } : {}) },
      { 'X-Line-Accepted-Request-Id': seen.requestId },
    );
  }
  return k;
}

async function inject(fault: FaultRule, res: Response, record: RequestRecord) {
  if (fault.fault.endsWith('timeout')) {
    await new Promise((r) => setTimeout(r, fault.timeoutMs ?? 5000));
    record.status = 0;
    res.socket?.destroy();
    return;
  }
  const status = fault.fault.endsWith('429') ? 429 : 500;
  const body = { message: status === 429 ? MESSAGES.rateLimited : MESSAGES.internal };
  send(res, { status, body }, record);
}

function send(res: Response, result: Result, record: RequestRecord): void {
  const status = result.status ?? 200;
  record.status = status;
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  if (result.binary) {
    record.responseBody = { bytes: result.binary.data.length, contentType: result.binary.contentType };
    res.status(status).type(result.binary.contentType).send(result.binary.data);
    return;
  }
  record.responseBody = result.body;
  res.status(status).json(result.body ?? {});
}
