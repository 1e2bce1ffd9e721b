import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DraftSaver, type DraftSaveResult, type DraftStatus } from './draft.ts';

describe('draft autosave', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function saverWith(result: () => Promise<DraftSaveResult>, initial: Record<string, unknown> = {}) {
    const saved: Array<{ answers: Record<string, unknown>; keepalive: boolean }> = [];
    const statuses: DraftStatus['kind'][] = [];
    const saver = new DraftSaver(
      {
        delayMs: 1000,
        save: (answers, opts) => {
          saved.push({ answers, keepalive: opts.keepalive });
          return result();
        },
        onStatus: (s) => statuses.push(s.kind),
      },
      initial,
    );
    return { saver, saved, statuses };
  }

  it('saves once the resident pauses, the last answers only, never the same twice', async () => {
    const { saver, saved, statuses } = saverWith(async () => ({ kind: 'saved', savedAt: 't' }), { a: '1' });
    saver.schedule({ a: '1' });
    await vi.advanceTimersByTimeAsync(1500);
    expect(saved).toEqual([]);
    saver.schedule({ a: '12' });
    await vi.advanceTimersByTimeAsync(500);
    saver.schedule({ a: '123' });
    await vi.advanceTimersByTimeAsync(999);
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(saved).toEqual([{ answers: { a: '123' }, keepalive: false }]);
    expect(statuses).toEqual(['saving', 'saved']);
    saver.schedule({ a: '123' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(saved).toHaveLength(1);
  });

  it('saves at once with keepalive when the page is hidden', async () => {
    const { saver, saved } = saverWith(async () => ({ kind: 'saved', savedAt: 't' }));
    saver.schedule({ a: 'x' });
    await saver.flush({ keepalive: true });
    expect(saved).toEqual([{ answers: { a: 'x' }, keepalive: true }]);
  });

  it('sends a change made during a save after it, and stops for good when drafts are off', async () => {
    let finish: (r: DraftSaveResult) => void = () => {};
    const { saver, saved, statuses } = saverWith(() => new Promise((r) => (finish = r)));
    saver.schedule({ a: '1' });
    await vi.advanceTimersByTimeAsync(1000);
    saver.schedule({ a: '2' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved.map((s) => s.answers)).toEqual([{ a: '1' }]);
    finish({ kind: 'saved', savedAt: 't' });
    await vi.advanceTimersByTimeAsync(0);
    expect(saved.map((s) => s.answers)).toEqual([{ a: '1' }, { a: '2' }]);
    finish({ kind: 'off' });
    await vi.advanceTimersByTimeAsync(0);
    saver.schedule({ a: '3' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(saved).toHaveLength(2);
    expect(statuses.at(-1)).toBe('off');
  });

  it('tries again with the next change after a failure', async () => {
    let ok = false;
    const { saver, saved, statuses } = saverWith(async () =>
      ok ? { kind: 'saved', savedAt: 't' } : { kind: 'failed' },
    );
    saver.schedule({ a: '1' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(statuses).toEqual(['saving', 'failed']);
    ok = true;
    saver.schedule({ a: '1' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toHaveLength(2);
    expect(statuses.at(-1)).toBe('saved');
  });
});
