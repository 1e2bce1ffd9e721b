import express from 'express';
import type { EmulatorState } from '../state/emulator.js';
import type { FaultInput } from '../http/faults.js';
import { parse } from './http.js';
import { clockInput, faultInput, resetInput } from './schemas.js';

/**
 * Test controls:
 *   POST   /_emulator/faults        {channelId?, endpoint?, fault: 500|429|timeout|accepted-500|accepted-timeout,
 *                                    times?, rate?, seed?, timeoutMs?}  → the rule with its id
 *   GET    /_emulator/faults        DELETE /_emulator/faults[/:id]
 *   POST   /_emulator/reset         {channels?: true}  clears talks, menus, logs, faults, clock (and channels)
 *   GET|POST /_emulator/clock       {advanceMs} moves the emulator's time (reply tokens, retry keys, ID tokens)
 */
export function controlRoutes(state: EmulatorState) {
  const r = express.Router();

  r.post('/faults', (req, res) => {
    const rule = state.faults.add(parse(faultInput, req.body) as FaultInput);
    const { next: _n, ...view } = rule;
    res.status(201).json(view);
  });
  r.get('/faults', (_req, res) => {
    res.json({ faults: state.faults.list() });
  });
  r.delete('/faults', (_req, res) => {
    state.faults.remove();
    res.status(204).end();
  });
  r.delete('/faults/:id', (req, res) => {
    state.faults.remove(req.params.id);
    res.status(204).end();
  });

  r.post('/reset', (req, res) => {
    state.reset(parse(resetInput, req.body) ?? {});
    res.status(204).end();
  });

  r.get('/clock', (_req, res) => {
    res.json({ now: new Date(state.now()).toISOString(), offsetMs: state.clock.offset });
  });
  r.post('/clock', (req, res) => {
    const b = parse(clockInput, req.body);
    if (b.reset) state.clock.reset();
    if (b.advanceMs) state.clock.advance(b.advanceMs);
    res.json({ now: new Date(state.now()).toISOString(), offsetMs: state.clock.offset });
  });

  return r;
}
