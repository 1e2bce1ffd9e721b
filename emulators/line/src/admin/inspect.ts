import express from 'express';
import type { EmulatorState } from '../state/emulator.js';
import { channelOf } from './channels.js';

/**
 * What tests look at:
 *   GET /_emulator/channels/:id/users/:userId/messages  ?from=bot|user|all (default bot) &since=ms
 *   GET /_emulator/channels/:id/messages                every bot message of the channel ?endpoint=&requestId=&retryKey=
 *   GET /_emulator/requests   ?channel=&endpoint=(operationId or path)&status=&limit=
 *   GET /_emulator/channels/:id/webhooks                webhook deliveries (status, latency, body)
 */
export function inspectRoutes(state: EmulatorState) {
  const r = express.Router();

  r.get('/channels/:id/users/:userId/messages', (req, res) => {
    const c = channelOf(state, req.params.id);
    const from = String(req.query.from ?? 'bot');
    const since = Number(req.query.since ?? 0);
    const list = (c.talk.get(req.params.userId) ?? []).filter(
      (e) => (from === 'all' || e.from === from) && e.at >= since,
    );
    res.json({ messages: list });
  });

  r.get('/channels/:id/messages', (req, res) => {
    const c = channelOf(state, req.params.id);
    const q = req.query as Record<string, string | undefined>;
    const out = [];
    for (const list of c.talk.values())
      for (const e of list)
        if (
          e.from === 'bot' &&
          (!q.endpoint || e.endpoint === q.endpoint) &&
          (!q.requestId || e.requestId === q.requestId) &&
          (!q.retryKey || e.retryKey === q.retryKey)
        )
          out.push(e);
    out.sort((a, b) => a.at - b.at || a.messageId.localeCompare(b.messageId));
    res.json({ count: out.length, messages: out });
  });

  r.get('/requests', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = Number(q.limit ?? 1000);
    const list = state.requests.filter(
      (x) =>
        (!q.channel || x.channelId === q.channel) &&
        (!q.endpoint || x.endpoint === q.endpoint || x.path === q.endpoint) &&
        (!q.status || String(x.status) === q.status),
    );
    res.json({ count: list.length, requests: list.slice(-limit) });
  });

  r.get('/channels/:id/webhooks', (req, res) => {
    const c = channelOf(state, req.params.id);
    const limit = Number(req.query.limit ?? 1000);
    res.json({ count: c.webhookDeliveries.length, deliveries: c.webhookDeliveries.slice(-limit) });
  });

  return r;
}
