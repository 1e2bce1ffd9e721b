import { describe, expect, it, vi } from 'vitest';
import {
  fetchRegistrationForm,
  fetchRegistrations,
  isFormCode,
  residentCsrf,
  saveRegistrationForm,
} from './resident-api.ts';

function respond(status: number, body: unknown): ReturnType<typeof vi.fn<typeof fetch>> {
  return vi.fn<typeof fetch>(
    async () =>
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
      }),
  );
}

const form = {
  code: 'settings',
  name: '受信設定',
  introText: '',
  askEmail: true,
  requiresPasscode: false,
  registration: null,
  items: [
    { code: 'gender', kind: 'single', label: '性別', helpText: '', required: false, config: { options: [] } },
  ],
};

describe('form codes', () => {
  it('follow the server’s rule', () => {
    expect(isFormCode('settings')).toBe(true);
    expect(isFormCode('staff-only_2')).toBe(true);
    expect(isFormCode('Settings')).toBe(false);
    expect(isFormCode('../me')).toBe(false);
    expect(isFormCode('')).toBe(false);
  });
});

describe('reading the resident’s forms', () => {
  it('lists the forms with the resident’s answers and address', async () => {
    const f = respond(200, { forms: [form], values: { gender: 'female' }, email: 'a@example.jp' });
    const r = await fetchRegistrations('toyonaka', f);
    expect(r).toMatchObject({
      kind: 'ok',
      data: {
        forms: [{ code: 'settings', askEmail: true }],
        values: { gender: 'female' },
        email: 'a@example.jp',
      },
    });
    expect(f).toHaveBeenCalledWith(
      '/api/t/toyonaka/registration',
      expect.objectContaining({ credentials: 'same-origin' }),
    );
  });

  it('tells a missing session, a closed form and an outage apart', async () => {
    expect(
      await fetchRegistrations('toyonaka', respond(401, { title: 'LINEからページを開き直してください' })),
    ).toEqual({
      kind: 'signed-out',
    });
    expect(
      await fetchRegistrationForm(
        'toyonaka',
        'old',
        respond(404, { title: 'このフォームは現在ご利用いただけません' }),
      ),
    ).toMatchObject({ kind: 'not-found', problem: { title: 'このフォームは現在ご利用いただけません' } });
    expect(await fetchRegistrations('toyonaka', respond(502, undefined))).toEqual({
      kind: 'unavailable',
      status: 502,
    });
    const offline = vi.fn<typeof fetch>(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await fetchRegistrations('toyonaka', offline)).toEqual({ kind: 'unavailable', status: null });
    // A 200 that is not the expected shape is not trusted.
    expect(await fetchRegistrations('toyonaka', respond(200, { nope: 1 }))).toMatchObject({
      kind: 'unavailable',
    });
  });
});

describe('saving', () => {
  it('PUTs the answers with the CSRF token', async () => {
    const f = respond(200, { form, values: { gender: 'male' }, email: null });
    const r = await saveRegistrationForm(
      'toyonaka',
      'settings',
      { values: { gender: 'male' }, email: '' },
      'tok',
      f,
    );
    expect(r).toMatchObject({ kind: 'ok', data: { values: { gender: 'male' }, email: null } });
    const [url, init] = f.mock.calls[0]!;
    expect(url).toBe('/api/t/toyonaka/registration/settings');
    expect(init?.method).toBe('PUT');
    expect(init?.headers).toMatchObject({ 'x-csrf-token': 'tok', 'content-type': 'application/json' });
    expect(JSON.parse(String(init?.body))).toEqual({ values: { gender: 'male' }, email: '' });
  });

  it('returns the server’s refusal with its messages per field', async () => {
    const r = await saveRegistrationForm(
      'toyonaka',
      'settings',
      { values: {} },
      'tok',
      respond(422, {
        type: 'about:blank',
        title: '入力内容を確認してください',
        status: 422,
        errors: [{ path: 'values.area', message: '「お住まいの地域」を選択してください' }, { bad: true }],
      }),
    );
    expect(r).toEqual({
      kind: 'refused',
      problem: {
        status: 422,
        type: 'about:blank',
        title: '入力内容を確認してください',
        detail: null,
        errors: [{ path: 'values.area', message: '「お住まいの地域」を選択してください' }],
      },
    });
    const wrong = await saveRegistrationForm(
      'toyonaka',
      'shokuin',
      { values: {}, passcode: 'x' },
      'tok',
      respond(403, {
        title: '合言葉が違います',
        errors: [{ path: 'passcode', message: '合言葉が違います' }],
      }),
    );
    expect(wrong).toMatchObject({ kind: 'refused', problem: { status: 403, title: '合言葉が違います' } });
  });
});

describe('the CSRF token', () => {
  it('comes from the LIFF sign-in, else from an existing session, else the resident is signed out', async () => {
    const never = vi.fn<typeof fetch>();
    expect(
      await residentCsrf({ kind: 'signed-in', displayName: null, csrfToken: 'from-liff' }, 'toyonaka', never),
    ).toEqual({ kind: 'ok', csrfToken: 'from-liff' });
    expect(never).not.toHaveBeenCalled();
    const me = respond(200, { resident: { displayName: '豊中 花子' }, csrfToken: 'from-cookie' });
    expect(await residentCsrf({ kind: 'none' }, 'toyonaka', me)).toEqual({
      kind: 'ok',
      csrfToken: 'from-cookie',
    });
    expect(me).toHaveBeenCalledWith('/api/t/toyonaka/me', expect.anything());
    expect(await residentCsrf({ kind: 'failed' }, 'toyonaka', respond(401, {}))).toEqual({
      kind: 'signed-out',
    });
    expect(await residentCsrf({ kind: 'none' }, 'toyonaka', respond(500, {}))).toEqual({
      kind: 'unavailable',
    });
  });
});
