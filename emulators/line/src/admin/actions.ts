import express from 'express';
import { seeded } from '../http/faults.js';
import type { UserActions } from '../simulate/actions.js';
import type { EmulatorState } from '../state/emulator.js';
import type { WebhookDelivery } from '../state/types.js';
import type { Event } from '../webhook/sender.js';
import { channelOf, userOf, userView } from './channels.js';
import { parse } from './http.js';
import { actionBody, batchBody } from './schemas.js';

/**
 * Driving simulated users:
 *   POST /_emulator/channels/:id/users/:userId/actions  {type, …, delivery?: {silent, redeliver, duplicate}}
 *   POST /_emulator/channels/:id/actions/batch          {actions: [{userId, type, …}], order, seed, split}
 * Answers with the events sent and each webhook delivery's status and latency.
 */
export const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  status: d.status,
  latencyMs: d.latencyMs,
  isRedelivery: d.isRedelivery,
  error: d.error,
});

export function actionRoutes(state: EmulatorState, actions: UserActions) {
  const r = express.Router();

  r.post('/channels/:id/users/:userId/actions', async (req, res) => {
    const c = channelOf(state, req.params.id);
    const user = userOf(c, req.params.userId);
    const { delivery, ...input } = parse(actionBody, req.body);
    const out = actions.perform(c, user, input as Parameters<UserActions['perform']>[2]);
    const deliveries = await actions.dispatch(c, out.events, delivery ?? {});
    res.json({
      events: out.events,
      deliveries: deliveries.map(deliveryView),
      open: out.open ?? null,
      note: out.note ?? null,
      user: userView(c, user),
    });
  });

  r.post('/channels/:id/actions/batch', async (req, res) => {
    const c = channelOf(state, req.params.id);
    const body = parse(batchBody, req.body);
    let events: Event[] = [];
    for (const { userId, ...input } of body.actions) {
      const user = userOf(c, userId ?? c.selectedUserId);
      events.push(...actions.perform(c, user, input as Parameters<UserActions['perform']>[2]).events);
    }
    if (body.order === 'reverse') events = events.reverse();
    if (body.order === 'shuffle') events = shuffle(events, body.seed ?? 1);
    let deliveries: WebhookDelivery[];
    if (body.split) deliveries = await Promise.all(events.map((e) => actions.sender.post(c, [e])));
    else deliveries = events.length ? [await actions.sender.post(c, events)] : [];
    res.json({ events, deliveries: deliveries.map(deliveryView) });
  });

  return r;
}

function shuffle<T>(list: T[], seed: number): T[] {
  const rnd = seeded(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  if (out.length > 1 && out.every((e, i) => e === list[i])) out.reverse(); // never "shuffled" into the same order
  return out;
}
