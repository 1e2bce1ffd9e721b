import { describe, expect, it } from 'vitest';
import { checkMessages, draftSchema, scheduleSchema, targetSchema } from './delivery.model.js';

describe('delivery model', () => {
  it('accepts 1–5 valid LINE messages', () => {
    const r = checkMessages([{ type: 'text', text: 'ごみ収集日のお知らせ' }]);
    expect(r.ok).toBe(true);
  });

  it('names the message each problem belongs to, in Japanese, with its path', () => {
    const r = checkMessages([
      { type: 'text', text: 'ok' },
      { type: 'text', text: 'あ'.repeat(5001) },
      {
        type: 'image',
        originalContentUrl: 'http://example.jp/a.png',
        previewImageUrl: 'https://example.jp/p.png',
      },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const second = r.errors.find((e) => e.path.startsWith('messages.1'));
    expect(second?.message).toMatch(/^2通目: /);
    const third = r.errors.find((e) => e.path.startsWith('messages.2'));
    expect(third?.path).toBe('messages.2.originalContentUrl');
    expect(third?.message).toMatch(/^3通目: .*https/);
    expect(r.errors.some((e) => e.path.startsWith('messages.0'))).toBe(false);
  });

  it('refuses no message and more than five', () => {
    expect(checkMessages([])).toEqual({
      ok: false,
      errors: [{ path: 'messages', message: 'メッセージを1通以上入力してください' }],
    });
    const six = Array.from({ length: 6 }, () => ({ type: 'text', text: 'x' }));
    const r = checkMessages(six);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.message).toBe('メッセージは1回の配信で5通までです');
    expect(checkMessages('text').ok).toBe(false);
  });

  it('validates targets and defaults a draft to every friend of the production channel', () => {
    expect(targetSchema.safeParse({ type: 'residents', residentIds: [] }).success).toBe(false);
    expect(targetSchema.safeParse({ type: 'everyone' }).error?.issues[0]?.message).toContain('配信先の種類');
    const d = draftSchema.parse({ title: ' 題名 ', organisationId: crypto.randomUUID(), messages: [] });
    expect(d).toMatchObject({ title: '題名', channel: 'production', target: { type: 'all' } });
  });

  it('needs an offset on a scheduled time, so JST is never guessed', () => {
    expect(scheduleSchema.safeParse({ kind: 'at', at: '2030-04-01T09:00:00+09:00' }).success).toBe(true);
    expect(scheduleSchema.safeParse({ kind: 'at', at: '2030-04-01T09:00:00' }).success).toBe(false);
  });
});
