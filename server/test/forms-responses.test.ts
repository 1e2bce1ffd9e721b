import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { findRlsProblems } from '../src/platform/db/rls-check.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { parseCsv } from '../src/platform/http/csv.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { closeFormsQueue } from '../src/modules/forms/form-jobs.js';
import { APPLICATION, ResidentClient, publishedForm } from './forms-fixtures.js';
import { AdminClient, createStaff, createTestTenant, superuser, type TestTenant } from './helpers.js';

/**
 * Responses for staff (FORM-4, 7, 8): the list with filters on any item, dates, full text and
 * sorting; a response's detail, status, memo and staff-only items (audited); responses staff
 * enter; the CSV in UTF-8 and Shift_JIS with formula cells neutralised; statistics and a cross
 * tabulation; and the acceptance permission test — staff of another organisation neither see nor
 * export the responses — with tenant isolation.
 */
describe('forms: responses for staff', () => {
  let t: TestTenant;
  let b: TestTenant;
  let admin: AdminClient;
  let staffA: AdminClient;
  let staffB: AdminClient;
  let staffBId = '';
  let operator: AdminClient;
  let adminB: AdminClient;
  let form: { id: string; code: string; version: number };
  const receipts: Record<string, string> = {};

  const base = { name: '市民', area: 'kuma', age_group: 'young' };
  const PEOPLE: Array<[string, Record<string, unknown>]> = [
    [
      'r1',
      {
        ...base,
        name: '青木 一郎',
        phone: '0861234567',
        topics: ['kosodate', 'bosai'],
        people: 2,
        visit: '2026-05-01',
        opinion: '駐車場が狭いので広げてほしい',
      },
    ],
    [
      'r2',
      {
        ...base,
        name: '井上 二郎',
        area: 'yoshii',
        age_group: 'middle',
        topics: ['bosai'],
        people: 4,
        opinion: '=HYPERLINK("http://evil.example","詳細")',
      },
    ],
    [
      'r3',
      {
        ...base,
        name: '上田 三郎',
        area: 'sanyo',
        age_group: 'senior',
        other_reason: '通院のため',
        topics: ['kenko'],
        people: 1,
        visit: '2026-06-15',
        opinion: '+1+1 と書くと計算されますか',
      },
    ],
    [
      'r4',
      {
        ...base,
        name: '江藤 四郎',
        area: 'sanyo',
        age_group: 'middle',
        people: 3,
        opinion: '@SUM(A1:A9) 図書館の開館時間を延ばしてください',
        kids: [{ kid_name: '江藤 花', kid_grade: 'g2' }],
      },
    ],
    [
      'r5',
      {
        ...base,
        name: '小川 五郎',
        topics: ['kosodate'],
        kids: [
          { kid_name: '小川 月', kid_grade: 'g1' },
          { kid_name: '小川 星', kid_grade: 'g2' },
        ],
        opinion: '－5度の日は休校に',
      },
    ],
  ];

  beforeAll(async () => {
    t = await createTestTenant('fs');
    b = await createTestTenant('fsb');
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const sa = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['forms'],
    });
    staffA = AdminClient.forTenant(t.tenant);
    expect((await staffA.login(sa.loginId)).status).toBe(200);
    const sb = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.kb!],
      featuresAllow: ['forms'],
    });
    staffBId = sb.id;
    staffB = AdminClient.forTenant(t.tenant);
    expect((await staffB.login(sb.loginId)).status).toBe(200);
    const op = await createStaff(t.tenant.id, {
      role: 'operator',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['forms'],
    });
    operator = AdminClient.forTenant(t.tenant);
    expect((await operator.login(op.loginId)).status).toBe(200);
    const ab = await createStaff(b.tenant.id, { role: 'administrator', orgIds: [b.orgs.ka!] });
    adminB = AdminClient.forTenant(b.tenant);
    expect((await adminB.login(ab.loginId)).status).toBe(200);

    form = await publishedForm(
      admin,
      t.orgs.ka!,
      APPLICATION,
      { sendCompletionToTalk: false },
      '市民講座の申込',
    );
    for (const [key, answers] of PEOPLE) {
      const r = await ResidentClient.signIn(t.tenant);
      const res = await r.post(`/forms/${form.code}/responses`, { version: 1, answers });
      expect(res.status, `${key} ${JSON.stringify(res.body)}`).toBe(201);
      receipts[key] = res.body.receiptNumber;
    }
    // r1 and r2 arrived on 1 April (JST), the others later; r2 was updated on 2 April.
    await superuser(async (c) => {
      await c.query(
        `update form_response set submitted_at = '2026-04-01T10:00:00+09:00', updated_at = '2026-04-01T10:00:00+09:00'
          where receipt_number = $1 and form_id = $2`,
        [receipts.r1, form.id],
      );
      await c.query(
        `update form_response set submitted_at = '2026-04-01T23:30:00+09:00', updated_at = '2026-04-02T09:00:00+09:00'
          where receipt_number = $1 and form_id = $2`,
        [receipts.r2, form.id],
      );
    });
  });
  afterAll(async () => {
    await closeFormsQueue();
    await closeDataSources();
    await closeRedis();
  });

  const list = (c: AdminClient, query: Record<string, string | number>) =>
    c.get(
      `/api/forms/${form.id}/responses?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
    );
  const receiptsOf = (body: { items: Array<{ receiptNumber: string }> }) =>
    body.items.map((i) => i.receiptNumber).sort();
  const keys = (...k: string[]) => k.map((x) => receipts[x]!).sort();
  const filters = (f: unknown[]) => JSON.stringify(f);

  it('lists responses newest first with paging and the total', async () => {
    const page1 = await list(staffA, { pageSize: 2 });
    expect(page1.status, JSON.stringify(page1.body)).toBe(200);
    expect(page1.body.total).toBe(5);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0]).toMatchObject({
      receiptNumber: receipts.r5,
      status: 'new',
      source: 'line',
      version: 1,
      hasMemo: false,
      answers: expect.objectContaining({ name: '小川 五郎', area: 'kuma' }),
    });
    const page3 = await list(staffA, { pageSize: 2, page: 3 });
    expect(page3.body.items.map((i: { receiptNumber: string }) => i.receiptNumber)).toEqual([receipts.r1]);
    const asc = await list(staffA, { order: 'asc', pageSize: 1 });
    expect(asc.body.items[0].receiptNumber).toBe(receipts.r1);
  });

  it('filters on any item by code: hierarchies, choices, numbers, dates, repeats, answered', async () => {
    const north = await list(staffA, { filters: filters([{ item: 'area', op: 'in', values: ['north'] }]) });
    expect(north.body.total).toBe(3);
    expect(receiptsOf(north.body)).toEqual(keys('r1', 'r2', 'r5'));
    expect(
      receiptsOf(
        (await list(staffA, { filters: filters([{ item: 'area', op: 'equals', value: 'sanyo' }]) })).body,
      ),
    ).toEqual(keys('r3', 'r4'));
    expect(
      receiptsOf(
        (await list(staffA, { filters: filters([{ item: 'topics', op: 'in', values: ['bosai'] }]) })).body,
      ),
    ).toEqual(keys('r1', 'r2'));
    const range = await list(staffA, { filters: filters([{ item: 'people', op: 'range', min: 2, max: 3 }]) });
    expect(receiptsOf(range.body)).toEqual(keys('r1', 'r4'));
    const dates = await list(staffA, {
      filters: filters([{ item: 'visit', op: 'range', min: '2026-05-15' }]),
    });
    expect(receiptsOf(dates.body)).toEqual(keys('r3'));
    const repeat = await list(staffA, {
      filters: filters([{ item: 'kid_grade', op: 'equals', value: 'g2' }]),
    });
    expect(receiptsOf(repeat.body)).toEqual(keys('r4', 'r5'));
    const phone = await list(staffA, {
      filters: filters([{ item: 'phone', op: 'answered', answered: true }]),
    });
    expect(receiptsOf(phone.body)).toEqual(keys('r1'));
    const combined = await list(staffA, {
      filters: filters([
        { item: 'area', op: 'in', values: ['north'] },
        { item: 'age_group', op: 'equals', value: 'young' },
      ]),
    });
    expect(receiptsOf(combined.body)).toEqual(keys('r1', 'r5'));
    // Personal answers are sealed: only 「回答あり・なし」.
    const sealed = await list(staffA, {
      filters: filters([{ item: 'name', op: 'equals', value: '青木 一郎' }]),
    });
    expect(sealed.status).toBe(400);
    expect(sealed.body.errors).toEqual([
      {
        path: 'filters.0.op',
        message: '「氏名」は個人情報の項目のため、「回答あり・なし」でだけ絞り込めます',
      },
    ]);
    const unknown = await list(staffA, { filters: filters([{ item: 'nothing', op: 'answered' }]) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('filters.0.item');
    expect((await list(staffA, { filters: '{not json' })).status).toBe(400);
  });

  it('filters by created and updated dates on the JST calendar, and by status', async () => {
    expect(
      receiptsOf((await list(staffA, { createdFrom: '2026-04-01', createdTo: '2026-04-01' })).body),
    ).toEqual(keys('r1', 'r2'));
    expect(
      receiptsOf((await list(staffA, { updatedFrom: '2026-04-02', updatedTo: '2026-04-02' })).body),
    ).toEqual(keys('r2'));
    expect((await list(staffA, { createdFrom: 'yesterday' })).status).toBe(400);
    expect((await list(staffA, { status: 'done' })).body.total).toBe(0);
  });

  it('full-text search over non-personal text, and by 受付番号', async () => {
    expect(receiptsOf((await list(staffA, { q: '駐車場' })).body)).toEqual(keys('r1'));
    expect(receiptsOf((await list(staffA, { q: '図書館 時間' })).body)).toEqual(keys('r4'));
    expect((await list(staffA, { q: '図書室' })).body.total).toBe(0);
    // Names are personal: never in the search vector.
    expect((await list(staffA, { q: '青木' })).body.total).toBe(0);
    expect(receiptsOf((await list(staffA, { q: receipts.r3!.toLowerCase() })).body)).toEqual(keys('r3'));
  });

  it('sorts by an item’s answer, unanswered last; personal items are not sortable', async () => {
    const byPeople = await list(staffA, { sort: 'item:people', order: 'asc' });
    expect(
      byPeople.body.items.map((i: { answers: { people?: number } }) => i.answers.people ?? null),
    ).toEqual([1, 2, 3, 4, null]);
    expect((await list(staffA, { sort: 'item:name' })).status).toBe(400);
    expect((await list(staffA, { sort: 'receiptNumber', order: 'asc' })).body.items[0].receiptNumber).toBe(
      receipts.r1,
    );
  });

  it('前の回答・次の回答 follow the list’s filters and sort, and find a response that moved', async () => {
    const neighbours = (rid: string, query: Record<string, string | number>) =>
      staffA.get(
        `/api/forms/${form.id}/responses/${rid}/neighbours?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
      );
    const lists: Array<Record<string, string>> = [
      {},
      { sort: 'item:people', order: 'asc' },
      { sort: 'receiptNumber', order: 'asc', status: 'new' },
      { filters: filters([{ item: 'people', op: 'range', min: 2 }]), sort: 'item:people', order: 'desc' },
    ];
    for (const query of lists) {
      const all = (await list(staffA, { ...query, pageSize: 100 })).body.items as Array<{
        id: string;
        receiptNumber: string;
      }>;
      expect(all.length).toBeGreaterThan(1);
      for (const [i, r] of all.entries()) {
        const res = await neighbours(r.id, { ...query, pos: i + 1 });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body, JSON.stringify(query)).toEqual({
          position: i + 1,
          total: all.length,
          previous: all[i - 1] ? { id: all[i - 1]!.id, receiptNumber: all[i - 1]!.receiptNumber } : null,
          next: all[i + 1] ? { id: all[i + 1]!.id, receiptNumber: all[i + 1]!.receiptNumber } : null,
        });
      }
    }
    // A position that is off (responses arrived since the list was shown) still finds it.
    const all = (await list(staffA, {})).body.items as Array<{ id: string }>;
    const moved = await neighbours(all[1]!.id, { pos: 4 });
    expect(moved.body).toMatchObject({ position: 2, previous: { id: all[0]!.id }, next: { id: all[2]!.id } });
    // No longer in the list (filtered out): no neighbours rather than wrong ones.
    const gone = await neighbours(all[1]!.id, { pos: 1, q: 'no-such-word-anywhere' });
    expect(gone.body).toEqual({ position: null, total: 0, previous: null, next: null });
    expect((await neighbours(all[1]!.id, { pos: 0 })).status).toBe(400);
    expect((await neighbours(all[1]!.id, { pos: 1, sort: 'item:name' })).status).toBe(400);
    expect((await staffB.get(`/api/forms/${form.id}/responses/${all[1]!.id}/neighbours?pos=1`)).status).toBe(
      403,
    );
  });

  it('shows a response; status, memo and staff-only items change with an audit entry', async () => {
    const found = await list(staffA, { q: receipts.r4! });
    const id = found.body.items[0].id;
    const detail = await staffA.get(`/api/forms/${form.id}/responses/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      receiptNumber: receipts.r4,
      memo: '',
      answers: { name: '江藤 四郎', kids: [{ kid_name: '江藤 花', kid_grade: 'g2' }] },
      files: [],
    });
    expect(detail.body.definition.pages[0].code).toBe('p1');
    // Counted (and kept) before the change: the count after it must not be the kept one.
    expect((await list(staffA, { status: 'in_progress' })).body.total).toBe(0);
    const patched = await staffA.patch(`/api/forms/${form.id}/responses/${id}`, {
      status: 'in_progress',
      memo: '電話で本人に確認済み（090-0000-0000）',
      staffAnswers: { checked: 'ok' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      status: 'in_progress',
      memo: '電話で本人に確認済み（090-0000-0000）',
      hasMemo: true,
    });
    expect(patched.body.answers.checked).toBe('ok');
    const refused = await staffA.patch(`/api/forms/${form.id}/responses/${id}`, {
      staffAnswers: { name: '書き換え' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ path: 'staffAnswers.name' });
    const badChoice = await staffA.patch(`/api/forms/${form.id}/responses/${id}`, {
      staffAnswers: { checked: 'maybe' },
    });
    expect(badChoice.status).toBe(422);
    expect(badChoice.body.errors).toEqual([
      { path: 'staffAnswers.checked', message: '選択肢の中から選んでください' },
    ]);
    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(`select detail from audit_log where action = 'form.response_update' and target_id = $1`, [id]),
    );
    expect(audits).toHaveLength(1);
    expect(audits[0].detail).toMatchObject({
      status: { before: 'new', after: 'in_progress' },
      staffItems: ['checked'],
    });
    expect(JSON.stringify(audits[0].detail)).not.toContain('090-0000-0000');
    const row = await withTenant(t.tenant.id, (m) =>
      m.query('select memo_enc, answers from form_response where id = $1', [id]),
    );
    expect(row[0].memo_enc).toMatch(/^v1:/);
    expect(row[0].answers.checked).toBe('ok');
    expect((await list(staffA, { status: 'in_progress' })).body.total).toBe(1);
    expect(
      (await list(staffA, { filters: filters([{ item: 'checked', op: 'equals', value: 'ok' }]) })).body.total,
    ).toBe(1);
    // Reading is not changing.
    expect((await staffB.patch(`/api/forms/${form.id}/responses/${id}`, { status: 'done' })).status).toBe(
      403,
    );
  });

  it('staff items inside repeating sections: per entry of the resident’s, and a staff-only list', async () => {
    const withEntries = await publishedForm(
      admin,
      t.orgs.ka!,
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            sections: [
              {
                code: 'kids',
                title: 'お子さま',
                repeat: { min: 1, max: 3, itemName: 'お子さま' },
                items: [
                  { type: 'shortText', code: 'kid_name', label: 'お名前', required: true },
                  {
                    type: 'singleChoice',
                    code: 'eligible',
                    label: '対象',
                    staffOnly: true,
                    options: [
                      { code: 'yes', label: '対象' },
                      { code: 'no', label: '対象外' },
                    ],
                  },
                ],
              },
              {
                code: 'calls',
                title: '対応履歴',
                staffOnly: true,
                repeat: { min: 0, max: 2, itemName: '対応' },
                items: [{ type: 'longText', code: 'call_note', label: '内容', required: true }],
              },
              {
                code: 's_scan',
                items: [
                  { type: 'file', code: 'scan', label: '書類の写し', staffOnly: true, accept: ['pdf'] },
                ],
              },
            ],
          },
        ],
      },
      { sendCompletionToTalk: false },
      '児童手当の申請',
    );
    const r = await ResidentClient.signIn(t.tenant);
    const sent = await r.post(`/forms/${withEntries.code}/responses`, {
      version: 1,
      answers: { kids: [{ kid_name: '一郎' }, { kid_name: '二郎' }] },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const id = (await staffA.get(`/api/forms/${withEntries.id}/responses`)).body.items[0].id;
    const patch = (staffAnswers: unknown) =>
      staffA.patch(`/api/forms/${withEntries.id}/responses/${id}`, { staffAnswers });

    // Staff answer per entry; a resident's answer sent along is not taken.
    const ok = await patch({
      kids: [{ eligible: 'yes', kid_name: '書き換え' }, { eligible: 'no' }],
      calls: [{ call_note: '12/7 電話で確認' }],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.answers).toEqual({
      kids: [
        { kid_name: '一郎', eligible: 'yes' },
        { kid_name: '二郎', eligible: 'no' },
      ],
      calls: [{ call_note: '12/7 電話で確認' }],
    });
    // Checked by the engine per entry, with the path of the entry; nothing changes.
    const bad = await patch({ kids: [{ eligible: 'maybe' }, {}], calls: [{}, {}, {}] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'staffAnswers.kids.0.eligible', message: '選択肢の中から選んでください' },
        expect.objectContaining({ path: 'staffAnswers.calls' }),
      ]),
    );
    const after = await staffA.get(`/api/forms/${withEntries.id}/responses/${id}`);
    expect(after.body.answers.kids[0].eligible).toBe('yes');
    expect(after.body.answers.calls).toHaveLength(1);
    // Clearing: an entry without staff answers keeps the resident's, the staff list can be emptied.
    const cleared = await patch({ kids: [{}, { eligible: 'yes' }], calls: [] });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.answers).toEqual({
      kids: [{ kid_name: '一郎' }, { kid_name: '二郎', eligible: 'yes' }],
    });
    // A staff-only file: uploaded by staff, claimed by the response when saved, listed with it.
    const upload = await staffA
      .post(`/api/forms/${withEntries.id}/files?item=scan`)
      .set('Content-Type', 'application/pdf')
      .set('X-File-Name', encodeURIComponent('申請書.pdf'))
      .send(Buffer.from('%PDF-1.4\n%%EOF\n'));
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    const attached = await patch({ kids: [{}, { eligible: 'yes' }], scan: [upload.body] });
    expect(attached.status, JSON.stringify(attached.body)).toBe(200);
    const withFile = await staffA.get(`/api/forms/${withEntries.id}/responses/${id}`);
    expect(withFile.body.files).toEqual([
      expect.objectContaining({
        id: upload.body.id,
        item: 'scan',
        name: '申請書.pdf',
        type: 'application/pdf',
      }),
    ]);
    expect(withFile.body.answers.scan).toEqual([expect.objectContaining({ id: upload.body.id })]);
  });

  it('staff enter a response from a phone call, checked with audience staff', async () => {
    const missing = await staffA.post(`/api/forms/${form.id}/responses`, {
      version: 1,
      answers: { area: 'kuma' },
      source: 'phone',
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ path: 'answers.name', message: '入力してください' }]);
    expect((await staffA.post(`/api/forms/${form.id}/responses`, { version: 2, answers: {} })).status).toBe(
      409,
    );
    const res = await staffA.post(`/api/forms/${form.id}/responses`, {
      version: 1,
      answers: { name: '電話 太郎', area: 'yoshii', checked: 'ng', opinion: '電話での受付' },
      source: 'phone',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    receipts.phone = res.body.receiptNumber;
    const detail = await staffA.get(`/api/forms/${form.id}/responses/${res.body.id}`);
    expect(detail.body).toMatchObject({
      source: 'phone',
      residentId: null,
      answers: { checked: 'ng', name: '電話 太郎' },
    });
    expect(detail.body.enteredBy).toBeTruthy();
    // Paper and phone entries work while the form is closed to residents.
    await admin.post(`/api/forms/${form.id}/close`);
    expect(
      (
        await staffA.post(`/api/forms/${form.id}/responses`, {
          version: 1,
          answers: { name: '紙 花子', area: 'kuma' },
          source: 'paper',
        })
      ).status,
    ).toBe(201);
    await admin.post(`/api/forms/${form.id}/reopen`);
    expect(
      (
        await operator.post(`/api/forms/${form.id}/responses`, {
          version: 1,
          answers: { name: '窓口', area: 'kuma' },
          source: 'counter',
        })
      ).status,
    ).toBe(201);
  });

  it('exports CSV in UTF-8 with BOM and in Shift_JIS, formula cells neutralised, one column per item', async () => {
    const utf8 = await staffA
      .get(`/api/forms/${form.id}/responses.csv`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(utf8.status).toBe(200);
    expect(utf8.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(utf8.headers['content-disposition']).toContain("filename*=UTF-8''");
    const bytes = utf8.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).includes(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const { rows } = parseCsv(bytes);
    const header = rows[0]!;
    expect(header.slice(0, 7)).toEqual([
      '受付番号',
      '受付日時',
      '更新日時',
      '状態',
      '回答方法',
      '版',
      'メモ',
    ]);
    expect(header).toEqual(
      expect.arrayContaining([
        '氏名',
        'お住まいの地区',
        '関心のある分野',
        'お子さま（1件目）のお名前',
        'お子さま（2件目）の学年',
        '確認',
      ]),
    );
    expect(header).not.toContain('お子さま（3件目）のお名前');
    expect(rows).toHaveLength(1 + 8);
    const col = (name: string) => header.indexOf(name);
    const byReceipt = new Map(rows.slice(1).map((r) => [r[0], r]));
    const r2 = byReceipt.get(receipts.r2)!;
    expect(r2[col('ご意見')]).toBe(`'=HYPERLINK("http://evil.example","詳細")`);
    expect(r2[col('お住まいの地区')]).toBe('北部／吉井');
    expect(r2[col('受付日時')]).toBe('2026-04-01 23:30:00');
    expect(byReceipt.get(receipts.r3)![col('ご意見')]).toBe("'+1+1 と書くと計算されますか");
    expect(byReceipt.get(receipts.r4)![col('ご意見')]).toBe(
      "'@SUM(A1:A9) 図書館の開館時間を延ばしてください",
    );
    expect(byReceipt.get(receipts.r5)![col('ご意見')]).toBe("'－5度の日は休校に");
    expect(byReceipt.get(receipts.r1)![col('関心のある分野')]).toBe('子育て、防災');
    expect(byReceipt.get(receipts.r1)![col('参加人数')]).toBe('2');
    expect(byReceipt.get(receipts.r5)![col('お子さま（2件目）のお名前')]).toBe('小川 星');
    expect(byReceipt.get(receipts.r4)![col('状態')]).toBe('対応中');
    expect(byReceipt.get(receipts.phone)![col('回答方法')]).toBe('電話');

    const sjis = await staffA
      .get(
        `/api/forms/${form.id}/responses.csv?encoding=sjis&filters=${encodeURIComponent(filters([{ item: 'area', op: 'in', values: ['south'] }]))}`,
      )
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(sjis.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
    const text = iconv.decode(sjis.body as Buffer, 'cp932');
    expect(text.startsWith('受付番号,')).toBe(true);
    const parsed = parseCsv(sjis.body as Buffer);
    expect(parsed.encoding).toBe('sjis');
    expect(
      parsed.rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(keys('r3', 'r4'));
    expect(parsed.rows[1]!.join()).toContain('南部／山陽');

    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select detail from audit_log where action = 'form.responses_export' and target_id = $1 order by seq`,
        [form.id],
      ),
    );
    expect(
      audits.map((a: { detail: { rows: number; encoding: string } }) => [a.detail.rows, a.detail.encoding]),
    ).toEqual([
      [8, 'utf8'],
      [2, 'sjis'],
    ]);
  });

  it('statistics per question and a cross tabulation of two choices', async () => {
    const stats = await staffA.get(`/api/forms/${form.id}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBe(8);
    const q = (code: string) => stats.body.questions.find((x: { code: string }) => x.code === code);
    expect(q('area').options).toEqual([
      { code: 'north', label: '北部', count: 6 },
      { code: 'kuma', label: '熊山', count: 4 },
      { code: 'yoshii', label: '吉井', count: 2 },
      { code: 'south', label: '南部', count: 2 },
      { code: 'sanyo', label: '山陽', count: 2 },
    ]);
    expect(q('topics')).toMatchObject({
      answered: 4,
      options: [
        { code: 'kosodate', count: 2 },
        { code: 'bosai', count: 2 },
        { code: 'kenko', count: 1 },
      ],
    });
    expect(q('people').number).toEqual({
      count: 4,
      min: 1,
      max: 4,
      mean: 2.5,
      median: 2.5,
      integral: true,
      histogram: [1, 2, 3, 4].map((from) => ({ from, to: from + 1, count: 1 })),
    });
    expect(q('visit').dates).toEqual({ min: '2026-05-01', max: '2026-06-15' });
    expect(q('kid_grade')).toMatchObject({
      repeat: 'kids',
      answered: 2,
      options: [
        { code: 'g1', count: 1 },
        { code: 'g2', count: 2 },
      ],
    });
    expect(q('phone')).toMatchObject({ personal: true, answered: 1 });
    expect(q('phone').options).toBeUndefined();
    const filtered = await staffA.get(
      `/api/forms/${form.id}/stats?filters=${encodeURIComponent(filters([{ item: 'area', op: 'in', values: ['south'] }]))}`,
    );
    expect(filtered.body.total).toBe(2);

    const ct = await staffA.get(`/api/forms/${form.id}/crosstab?row=age_group&col=topics`);
    expect(ct.status, JSON.stringify(ct.body)).toBe(200);
    expect(ct.body.total).toBe(8);
    const cell = (row: string | null, c: string | null) =>
      ct.body.cells.find((x: { row: string | null; col: string | null }) => x.row === row && x.col === c)
        ?.count ?? 0;
    expect(cell('young', 'kosodate')).toBe(2);
    expect(cell('young', 'bosai')).toBe(1);
    expect(cell('middle', 'bosai')).toBe(1);
    expect(cell('senior', 'kenko')).toBe(1);
    expect(cell('middle', null)).toBe(1);
    expect(cell(null, null)).toBe(3);
    expect(ct.body.row.options.map((o: { label: string }) => o.label)).toEqual([
      '39歳以下',
      '40〜64歳',
      '65歳以上',
    ]);
    expect((await staffA.get(`/api/forms/${form.id}/crosstab?row=name&col=topics`)).status).toBe(400);
    expect((await staffA.get(`/api/forms/${form.id}/crosstab?row=kid_grade&col=topics`)).status).toBe(400);
  });

  it('acceptance: staff of another organisation can neither see nor export the responses', async () => {
    const paths = [
      `/api/forms/${form.id}/responses`,
      `/api/forms/${form.id}/responses.csv`,
      `/api/forms/${form.id}/stats`,
      `/api/forms/${form.id}/crosstab?row=age_group&col=topics`,
    ];
    for (const p of paths) {
      const res = await staffB.get(p);
      expect(res.status, p).toBe(403);
      expect(res.body.title).toBe('この操作を行う権限がありません');
    }
    const someId = (await list(staffA, { pageSize: 1 })).body.items[0].id;
    expect((await staffB.get(`/api/forms/${form.id}/responses/${someId}`)).status).toBe(403);
    const denied = await withTenant(t.tenant.id, (m) =>
      m.query(`select action from audit_log where actor_id = $1 and outcome = 'denied'`, [staffBId]),
    );
    expect(denied.length).toBeGreaterThanOrEqual(paths.length + 1);
    // A view grant opens the list, not the export; an export grant opens that too.
    await admin.put(`/api/forms/${form.id}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.kb, permissions: ['view'] }],
    });
    expect((await staffB.get(`/api/forms/${form.id}/responses`)).status).toBe(200);
    expect((await staffB.get(`/api/forms/${form.id}/responses.csv`)).status).toBe(403);
    await admin.put(`/api/forms/${form.id}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.kb, permissions: ['export'] }],
    });
    expect((await staffB.get(`/api/forms/${form.id}/responses.csv`)).status).toBe(200);
    await admin.put(`/api/forms/${form.id}/grants`, { grants: [] });
    expect((await staffB.get(`/api/forms/${form.id}/responses`)).status).toBe(403);
    // Operators (outsourced) of the owning organisation read but do not export.
    expect((await operator.get(`/api/forms/${form.id}/responses`)).status).toBe(200);
    expect((await operator.get(`/api/forms/${form.id}/responses.csv`)).status).toBe(403);
  });

  it('tenant isolation: another city reaches no response, form or file', async () => {
    const someId = (await list(staffA, { pageSize: 1 })).body.items[0].id;
    expect((await adminB.get(`/api/forms/${form.id}/responses`)).status).toBe(404);
    expect((await adminB.get(`/api/forms/${form.id}/responses/${someId}`)).status).toBe(404);
    expect((await adminB.get(`/api/forms/${form.id}/responses.csv`)).status).toBe(404);
    const seen = await withTenant(b.tenant.id, (m) =>
      m.query(
        'select (select count(*) from form_response)::int as r, (select count(*) from form_version)::int as v',
      ),
    );
    expect(seen[0]).toEqual({ r: 0, v: 0 });
    const rb = await ResidentClient.signIn(b.tenant);
    expect((await rb.get(`/forms/${form.code}`)).status).toBe(404);
    expect(await withTenant(t.tenant.id, (m) => findRlsProblems(m))).toEqual([]);
  });
});
