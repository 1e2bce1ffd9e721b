import { describe, expect, it, vi } from 'vitest';
import { fetchSubscription, signUp, tokenFromHash, unsubscribe } from './mail-api.ts';

function respond(status: number, body: unknown): ReturnType<typeof vi.fn<typeof fetch>> {
  return vi.fn<typeof fetch>(
    async () =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
      }),
  );
}

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0.0123456789abcdefghijkl';

describe('links of DEL-10 mails', () => {
  it('take their token from the fragment only, and only a well-formed one', () => {
    expect(tokenFromHash(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFromHash('#token=short')).toBeNull();
    expect(tokenFromHash('#token=<script>alert(1)</script>aaaaaaaaaaaaaaa')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });
});

describe('subscription API calls', () => {
  it('send the manage token in a header, never in the URL, and no cookies', async () => {
    const f = respond(200, {
      city: '豊中市',
      recipient: 'subscriber',
      status: 'active',
      email: 'a@example.jp',
      form: { code: 'settings', name: '受信設定', introText: '', items: [] },
      values: { area: 'north' },
    });
    const r = await fetchSubscription('toyonaka', TOKEN, f);
    expect(r).toMatchObject({ kind: 'ok', data: { status: 'active', values: { area: 'north' } } });
    const [url, init] = f.mock.calls[0]!;
    expect(url).toBe('/api/t/toyonaka/mail-subscription/manage');
    expect((init!.headers as Record<string, string>)['x-mail-token']).toBe(TOKEN);
    expect(init!.credentials).toBe('omit');
  });

  it('hand the server’s Japanese problem to the page; a server error is “try again”', async () => {
    const tooMany = respond(429, {
      title: '短い時間に何度も送信されたため、受け付けを一時停止しています',
      status: 429,
    });
    const r = await signUp('toyonaka', { email: 'a@example.jp', values: {}, agree: true }, tooMany);
    expect(r).toMatchObject({
      kind: 'problem',
      problem: { status: 429, title: expect.stringContaining('一時停止') },
    });
    expect(await unsubscribe('toyonaka', TOKEN, respond(500, {}))).toEqual({ kind: 'unavailable' });
    const odd = await fetchSubscription(
      'toyonaka',
      TOKEN,
      respond(200, { city: '豊中市', status: 'whatever' }),
    );
    expect(odd).toEqual({ kind: 'unavailable' });
  });
});
