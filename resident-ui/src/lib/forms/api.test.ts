import { describe, expect, it, vi } from 'vitest';
import {
  discardFormDraft,
  fetchPostalAddresses,
  fetchResidentForm,
  isResidentFormCode,
  parseFormView,
  saveFormDraft,
  submitFormResponse,
  uploadFormFile,
  type UploadRequest,
} from './api.ts';
import { definition } from './test-fixture.ts';

const respond = (status: number, body: unknown) =>
  vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status }));

const view = {
  form: { code: 'f-3k9x2a7q', title: '道路の損傷の通報', description: '', version: 2, definition },
  state: 'open',
  opensAt: null,
  closesAt: '2026-06-30T15:00:00.000Z',
  answersPerResident: 'many',
  myResponses: [{ receiptNumber: 'R-000123', submittedAt: '2026-04-01T00:00:00Z', version: 1 }, { bad: 1 }],
  draft: { version: 2, answers: { name: '花子' }, savedAt: '2026-04-30T12:00:00Z' },
};

describe('the forms API of the resident pages', () => {
  it('reads a form as the server sends it and drops what is malformed', async () => {
    const f = respond(200, view);
    const r = await fetchResidentForm('kuwana', 'f-3k9x2a7q', f);
    expect(f).toHaveBeenCalledWith(
      '/api/t/kuwana/forms/f-3k9x2a7q',
      expect.objectContaining({ credentials: 'same-origin' }),
    );
    expect(r).toMatchObject({
      kind: 'ok',
      data: {
        state: 'open',
        answersPerResident: 'many',
        myResponses: [{ receiptNumber: 'R-000123', version: 1 }],
        draft: { version: 2, answers: { name: '花子' } },
        csrfToken: null,
      },
    });
    expect(parseFormView({ ...view, state: 'paused' })).toBeNull();
    expect(parseFormView({ ...view, form: { ...view.form, definition: 'x' } })).toBeNull();
    expect(isResidentFormCode('f-3k9x2a7q')).toBe(true);
    expect(isResidentFormCode('../admin')).toBe(false);
  });

  it('tells a missing session, an unknown form and an outage apart', async () => {
    expect(await fetchResidentForm('kuwana', 'x1', respond(401, {}))).toEqual({ kind: 'signed-out' });
    expect(
      await fetchResidentForm('kuwana', 'x1', respond(404, { title: 'フォームが見つかりません' })),
    ).toMatchObject({
      kind: 'not-found',
      problem: { title: 'フォームが見つかりません' },
    });
    expect(await fetchResidentForm('kuwana', 'x1', respond(503, undefined))).toEqual({
      kind: 'unavailable',
      status: 503,
    });
  });

  it('sends drafts and responses with the CSRF token; a newer version comes back as reason version', async () => {
    const put = respond(200, { savedAt: '2026-05-01T01:00:00Z' });
    expect(
      await saveFormDraft('kuwana', 'f1', { version: 2, answers: { a: 1 } }, 'tok', {
        keepalive: true,
        fetchFn: put,
      }),
    ).toEqual({
      kind: 'ok',
      data: { savedAt: '2026-05-01T01:00:00Z' },
    });
    const [url, init] = put.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/t/kuwana/forms/f1/draft');
    expect(init).toMatchObject({ method: 'PUT', keepalive: true, headers: { 'x-csrf-token': 'tok' } });
    expect(JSON.parse(String(init.body))).toEqual({ version: 2, answers: { a: 1 } });

    const ok = await submitFormResponse(
      'kuwana',
      'f1',
      { version: 2, answers: {} },
      'tok',
      respond(201, { receiptNumber: 'R-000124', completionMessage: 'ありがとうございました' }),
    );
    expect(ok).toEqual({
      kind: 'ok',
      data: { receiptNumber: 'R-000124', completionMessage: 'ありがとうございました', updated: false },
    });
    const changed = await submitFormResponse(
      'kuwana',
      'f1',
      { version: 2, answers: {} },
      'tok',
      respond(200, { receiptNumber: 'R-000124', completionMessage: '', updated: true }),
    );
    expect(changed).toMatchObject({ kind: 'ok', data: { updated: true } });
    const del = respond(204, undefined);
    expect(await discardFormDraft('kuwana', 'f1', 'tok', del)).toEqual({ kind: 'ok', data: true });
    expect(del).toHaveBeenCalledWith(
      '/api/t/kuwana/forms/f1/draft',
      expect.objectContaining({
        method: 'DELETE',
        headers: expect.objectContaining({ 'x-csrf-token': 'tok' }),
      }),
    );
    const conflict = await submitFormResponse(
      'kuwana',
      'f1',
      { version: 1, answers: {} },
      'tok',
      respond(409, { title: 'フォームの内容が更新されました', reason: 'version' }),
    );
    expect(conflict).toMatchObject({ kind: 'refused', reason: 'version', problem: { status: 409 } });
    const invalid = await submitFormResponse(
      'kuwana',
      'f1',
      { version: 2, answers: {} },
      'tok',
      respond(422, {
        title: '入力内容を確認してください',
        errors: [{ path: 'answers.name', message: '入力してください' }],
      }),
    );
    expect(invalid).toMatchObject({
      kind: 'refused',
      reason: null,
      problem: { errors: [{ path: 'answers.name', message: '入力してください' }] },
    });
  });

  it('looks up one postal code: addresses, none, or failed', async () => {
    const f = respond(200, {
      addresses: [{ prefecture: '三重県', city: '桑名市', town: '寿町' }, { bad: true }],
    });
    expect(await fetchPostalAddresses('kuwana', '5110061', f)).toEqual([
      { postalCode: '511-0061', prefecture: '三重県', city: '桑名市', town: '寿町' },
    ]);
    expect(f).toHaveBeenCalledWith('/api/t/kuwana/postal/5110061', expect.anything());
    expect(await fetchPostalAddresses('kuwana', '0000000', respond(404, {}))).toEqual([]);
    expect(await fetchPostalAddresses('kuwana', '5110061', respond(429, {}))).toBeNull();
  });

  it('uploads a file as the raw body with its name, reporting progress', async () => {
    const headers: Record<string, string> = {};
    let sent: Blob | null = null;
    const xhr: UploadRequest = {
      status: 0,
      responseText: '',
      withCredentials: false,
      upload: { onprogress: null },
      onload: null,
      onerror: null,
      onabort: null,
      open: vi.fn(),
      setRequestHeader: (k, v) => (headers[k] = v),
      send: (b) => (sent = b),
      abort: () => xhr.onabort?.(),
    };
    const file = Object.assign(new Blob(['x'.repeat(2000)], { type: 'image/jpeg' }), {
      name: '道路の穴.jpg',
    });
    const progress: number[] = [];
    const up = uploadFormFile(
      'kuwana',
      'f1',
      'photos',
      file,
      'tok',
      (p) => progress.push(p),
      () => xhr,
    );
    expect(xhr.open).toHaveBeenCalledWith('POST', '/api/t/kuwana/forms/f1/files?item=photos');
    expect(headers).toMatchObject({
      'content-type': 'image/jpeg',
      'x-file-name': encodeURIComponent('道路の穴.jpg'),
      'x-csrf-token': 'tok',
    });
    expect(sent).toBe(file);
    xhr.upload.onprogress!({ loaded: 500, total: 2000, lengthComputable: true });
    xhr.upload.onprogress!({ loaded: 2000, total: 2000, lengthComputable: true });
    expect(progress).toEqual([0.25, 1]);
    Object.assign(xhr, {
      status: 201,
      responseText: JSON.stringify({ id: 'up_1', name: '道路の穴.jpg', size: 1800, type: 'image/jpeg' }),
    });
    xhr.onload!();
    expect(await up.promise).toEqual({
      kind: 'ok',
      data: { id: 'up_1', name: '道路の穴.jpg', size: 1800, type: 'image/jpeg' },
    });

    const big = uploadFormFile(
      'kuwana',
      'f1',
      'photos',
      file,
      'tok',
      () => {},
      () => xhr,
    );
    Object.assign(xhr, {
      status: 413,
      responseText: JSON.stringify({ title: 'ファイルは5MB以下にしてください' }),
    });
    xhr.onload!();
    expect(await big.promise).toMatchObject({
      kind: 'refused',
      problem: { title: 'ファイルは5MB以下にしてください' },
    });
    const cancelled = uploadFormFile(
      'kuwana',
      'f1',
      'photos',
      file,
      'tok',
      () => {},
      () => xhr,
    );
    cancelled.abort();
    expect(await cancelled.promise).toEqual({ kind: 'aborted' });
  });
});
