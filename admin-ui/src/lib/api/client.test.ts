import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, setApiHooks, setCsrfToken, setFetch } from './client';
import { ApiError, errorMessage, toApiError } from './problem';

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': type },
  });
}

afterEach(() => {
  setFetch(undefined);
  setApiHooks({});
  setCsrfToken('');
});

describe('api client', () => {
  it('sends JSON with the CSRF token on state changes only', async () => {
    const calls: [string, RequestInit][] = [];
    setFetch(async (url, init) => {
      calls.push([String(url), init ?? {}]);
      return json(200, { ok: true });
    });
    setCsrfToken('tok-1');
    await api.get('/api/staff', { q: '田中', page: 1 });
    await api.post('/api/staff', { loginId: 'x' });
    const [getUrl, getInit] = calls[0]!;
    expect(getUrl).toBe('/api/staff?q=%E7%94%B0%E4%B8%AD&page=1');
    expect((getInit.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
    expect(getInit.credentials).toBe('same-origin');
    const [, postInit] = calls[1]!;
    expect((postInit.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok-1');
    expect(postInit.body).toBe('{"loginId":"x"}');
  });

  it('returns undefined for 204', async () => {
    setFetch(async () => new Response(null, { status: 204 }));
    await expect(api.delete('/api/staff/1')).resolves.toBeUndefined();
  });

  it('turns problem+json into ApiError with field errors', async () => {
    setFetch(async () =>
      json(
        422,
        {
          type: 'about:blank',
          title: '入力内容を確認してください',
          status: 422,
          errors: [{ path: 'loginId', message: 'ログインIDは必須です' }],
        },
        'application/problem+json',
      ),
    );
    const err = await api.post('/api/staff', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.title).toBe('入力内容を確認してください');
    expect(e.fieldError('loginId')).toBe('ログインIDは必須です');
  });

  it('calls the session hooks on 401 and on forced password change', async () => {
    const onUnauthenticated = vi.fn();
    const onPasswordChangeRequired = vi.fn();
    setApiHooks({ onUnauthenticated, onPasswordChangeRequired });
    setFetch(async () => json(401, { title: 'ログインしてください', status: 401 }));
    await expect(api.get('/api/staff')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    await expect(api.get('/api/auth/session', undefined, { quiet: true })).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    setFetch(async () =>
      json(403, {
        type: 'urn:tsunagu:password-change-required',
        title: 'パスワードを変更してください',
        status: 403,
      }),
    );
    await expect(api.get('/api/staff')).rejects.toBeInstanceOf(ApiError);
    expect(onPasswordChangeRequired).toHaveBeenCalledTimes(1);
  });

  it('calls the TOTP setup hook when the tenant requires TOTP', async () => {
    const onTotpSetupRequired = vi.fn();
    setApiHooks({ onTotpSetupRequired });
    setFetch(async () =>
      json(403, {
        type: 'urn:tsunagu:totp-setup-required',
        title: '二要素認証を設定してください',
        status: 403,
      }),
    );
    await expect(api.get('/api/forms')).rejects.toBeInstanceOf(ApiError);
    expect(onTotpSetupRequired).toHaveBeenCalledTimes(1);
  });

  it('refreshes the CSRF token once and retries', async () => {
    let n = 0;
    const seen: string[] = [];
    setFetch(async (_url, init) => {
      seen.push((init?.headers as Record<string, string>)['X-CSRF-Token'] ?? '');
      n += 1;
      return n === 1
        ? json(403, { title: '不正なリクエストです（CSRF）', status: 403 })
        : json(200, { ok: 1 });
    });
    setCsrfToken('old');
    setApiHooks({ refreshCsrf: async () => setCsrfToken('new') });
    await expect(api.post('/api/teams', { name: 'a' })).resolves.toEqual({ ok: 1 });
    expect(seen).toEqual(['old', 'new']);
  });

  it('reports network failures in Japanese', async () => {
    setFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    const e = (await api.get('/api/context').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(0);
    expect(e.title).toContain('サーバーに接続できません');
  });

  it('sends raw bodies (CSV files) with their content type', async () => {
    let init: RequestInit | undefined;
    setFetch(async (_u, i) => {
      init = i;
      return json(200, { applied: false });
    });
    await api.post('/api/staff/import', undefined, {
      query: { dryRun: true },
      raw: { data: 'ログインID\nabc', contentType: 'text/csv' },
    });
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
    expect(init?.body).toBe('ログインID\nabc');
  });
});

describe('problems', () => {
  it('falls back to Japanese titles by status', () => {
    expect(toApiError(502, '<html>').title).toContain('サーバーが応答していません');
    expect(toApiError(418, null).title).toContain('418');
    expect(errorMessage(new Error('x'))).toContain('エラーが発生しました');
    expect(
      errorMessage(toApiError(423, { title: 'ロック中です', detail: '管理者に連絡', status: 423 })),
    ).toBe('ロック中です（管理者に連絡）');
  });
});
