import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { closeFormsQueue } from '../src/modules/forms/form-jobs.js';
import { APPLICATION, ResidentClient, publishedForm } from './forms-fixtures.js';
import type { FormDefinitionInput } from '../src/contracts/index.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

/**
 * SEG-8 (TN 4-⑥): answers to a form as segment conditions, counted over the residents who
 * answered through LINE; personal items are never selectable; a condition on a form the account
 * may not read is refused. And FORM-6: a draft delivery inviting a segment to the form.
 */
describe('forms: answers as segment conditions (SEG-8) and invitations to a segment', () => {
  let t: TestTenant;
  let admin: AdminClient;
  let staffB: AdminClient;
  let noDelivery: AdminClient;
  let form: { id: string; code: string; version: number };
  let other: { id: string; code: string; version: number };

  const base = { name: '市民', area: 'kuma', age_group: 'young' };
  // Resident → answers; R6 answers twice (many answers allowed), R7 never answers, R8 blocked the account.
  const ANSWERS: Record<string, Array<Record<string, unknown>>> = {
    R1: [{ ...base, topics: ['kosodate'], people: 2, kids: [{ kid_grade: 'g1' }] }],
    R2: [{ ...base, area: 'yoshii', age_group: 'middle', topics: ['bosai'], people: 5 }],
    R3: [{ ...base, area: 'sanyo', age_group: 'senior', people: 1, visit: '2026-07-01' }],
    R4: [{ ...base, area: 'sanyo', phone: '0861234567', kids: [{ kid_grade: 'g2' }] }],
    R5: [{ ...base, topics: ['kosodate', 'kenko'], visit: '2026-05-01' }],
    R6: [
      { ...base, age_group: 'middle' },
      { ...base, area: 'sanyo', age_group: 'senior', people: 9 },
    ],
    R7: [],
    R8: [{ ...base, topics: ['kosodate'] }],
  };

  const count = async (definition: unknown, client = admin) => {
    const res = await client.post('/api/segments/count', { definition });
    return res;
  };
  const leaf = (question: string, op: string, values: unknown[] = [], formId = form.id) => ({
    type: 'form_answer',
    formId,
    question,
    op,
    values,
  });

  beforeAll(async () => {
    t = await createTestTenant('fg');
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const b = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.kb!],
      featuresAllow: ['forms', 'segments', 'delivery'],
    });
    staffB = AdminClient.forTenant(t.tenant);
    expect((await staffB.login(b.loginId)).status).toBe(200);
    const n = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['forms'],
    });
    noDelivery = AdminClient.forTenant(t.tenant);
    expect((await noDelivery.login(n.loginId)).status).toBe(200);
    form = await publishedForm(admin, t.orgs.ka!, APPLICATION, { sendCompletionToTalk: false }, '子育て調査');
    other = await publishedForm(admin, t.orgs.ka!, APPLICATION, { sendCompletionToTalk: false }, '別の調査');
    for (const [key, list] of Object.entries(ANSWERS)) {
      const r = await ResidentClient.signIn(t.tenant, { friend: key !== 'R8' });
      for (const answers of list)
        expect((await r.post(`/forms/${form.code}/responses`, { version: 1, answers })).status).toBe(201);
      // Everyone but R1 also answered the other form: its answers must not count for this one.
      if (key !== 'R1')
        await r.post(`/forms/${other.code}/responses`, {
          version: 1,
          answers: { ...base, topics: ['bosai'] },
        });
    }
    // Staff-entered responses have no resident: they never count.
    await admin.post(`/api/forms/${form.id}/responses`, {
      version: 1,
      answers: { ...base, topics: ['bosai'] },
      source: 'paper',
    });
  });
  afterAll(async () => {
    await closeFormsQueue();
    await closeDataSources();
    await closeRedis();
  });

  it('counts friends by their answers: choices, hierarchies, numbers, dates, repeats, answered', async () => {
    const expectCount = async (definition: unknown, n: number) => {
      const res = await count(definition);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.count, JSON.stringify(definition)).toBe(n);
    };
    await expectCount(leaf('topics', 'in', ['kosodate']), 2); // R1, R5 (R8 blocked: excluded)
    expect((await count(leaf('topics', 'in', ['kosodate']))).body.excluded).toBe(1);
    await expectCount(leaf('topics', 'in', ['bosai']), 1); // R2 (the paper response has no resident)
    await expectCount(leaf('area', 'in', ['north']), 4); // R1, R2, R5, R6 (its first answer); R8 blocked
    await expectCount(leaf('area', 'in', ['south']), 3); // R3, R4, R6 (second answer)
    await expectCount(leaf('area', 'eq', ['kuma']), 3); // R1, R5, R6 (exactly 熊山, not the area)
    await expectCount(leaf('people', 'gt', [4]), 2); // R2 (5), R6 (9)
    await expectCount(leaf('people', 'lte', [2]), 2); // R1 (2), R3 (1)
    await expectCount(leaf('visit', 'lt', ['2026-06-01']), 1); // R5
    await expectCount(leaf('kid_grade', 'eq', ['g2']), 1); // R4, in a repeating section
    await expectCount(leaf('kid_grade', 'answered'), 2); // R1, R4
    await expectCount(leaf('topics', 'not_answered'), 4); // R3, R4, R6, R7 (no response at all)
    await expectCount(leaf('topics', 'not_in', ['kosodate']), 5); // everyone but R1, R5 (R8 blocked)
    await expectCount(leaf('age_group', 'ne', ['young']), 4); // R2, R3, R6, and R7 who did not answer
    await expectCount(
      {
        type: 'or',
        conditions: [
          leaf('people', 'gte', [5]),
          { type: 'and', conditions: [leaf('area', 'in', ['north']), leaf('topics', 'in', ['kosodate'])] },
        ],
      },
      4, // R2, R6, R1, R5
    );
    await expectCount({ type: 'not', condition: leaf('area', 'in', ['north']) }, 3); // R3, R4, R7
  });

  it('refuses personal items, unknown questions and options, and forms the account may not read', async () => {
    const personal = await count(leaf('name', 'eq', ['市民']));
    expect(personal.status).toBe(422);
    expect(personal.body.errors).toEqual([
      { path: 'definition.question', message: '「氏名」は個人情報の項目のため、条件に使えません' },
    ]);
    // Not even whether a personal item was answered.
    expect((await count(leaf('phone', 'answered'))).status).toBe(422);
    const wrong = await count({
      type: 'and',
      conditions: [
        leaf('nothing', 'answered'),
        leaf('area', 'in', ['east']),
        leaf('opinion', 'gt', [1]),
        leaf('people', 'eq', ['多い']),
      ],
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([
      {
        path: 'definition.conditions.0.question',
        message: 'フォーム「子育て調査」に設問「nothing」はありません',
      },
      { path: 'definition.conditions.1.values', message: '「お住まいの地区」に選択肢 「east」 はありません' },
      {
        path: 'definition.conditions.2.op',
        message: '「ご意見」は大小を比べられません（数値と日付の設問だけです）',
      },
      { path: 'definition.conditions.3.values', message: '「参加人数」は数値で指定してください' },
    ]);
    const foreign = await count(leaf('topics', 'in', ['kosodate']), staffB);
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].message).toBe('フォーム「子育て調査」の回答を見る権限がありません');
    // Saved as a segment it reaches deliveries like any other condition.
    const saved = await admin.post('/api/segments', {
      name: '子育て調査で「子育て」に関心',
      organisationId: t.orgs.ka,
      definition: leaf('topics', 'in', ['kosodate']),
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  });

  it('lists the questions the builder may offer: readable, published forms, non-personal items only', async () => {
    const res = await admin.get('/api/segments/form-questions');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const listed = res.body.items as Array<{
      id: string;
      title: string;
      questions: Array<{ code: string; label: string; kind: string; options?: unknown[] }>;
    }>;
    const mine = listed.find((f) => f.id === form.id)!;
    expect(mine.title).toBe('子育て調査');
    const codes = mine.questions.map((q) => q.code);
    // Personal items (氏名 marked personal, 電話番号 and the file by type, the child's name) are not listed.
    for (const personal of ['name', 'phone', 'photo', 'kid_name']) expect(codes).not.toContain(personal);
    expect(codes).toEqual(
      expect.arrayContaining(['area', 'age_group', 'topics', 'people', 'visit', 'opinion', 'kid_grade']),
    );
    const byCode = new Map(mine.questions.map((q) => [q.code, q]));
    expect(byCode.get('people')).toMatchObject({ label: '参加人数', kind: 'number', type: 'number' });
    expect(byCode.get('visit')).toMatchObject({ kind: 'date' });
    expect(byCode.get('opinion')).toMatchObject({ kind: 'text' });
    expect(byCode.get('opinion')!.options).toBeUndefined();
    // A repeating section's item carries its section's title; hierarchies keep their depth and path.
    expect(byCode.get('kid_grade')).toMatchObject({ label: 'お子さま：学年', kind: 'choice' });
    expect(byCode.get('area')!.options).toEqual([
      { code: 'north', label: '北部', depth: 0, path: '北部' },
      { code: 'kuma', label: '熊山', depth: 1, path: '北部 › 熊山' },
      { code: 'yoshii', label: '吉井', depth: 1, path: '北部 › 吉井' },
      { code: 'south', label: '南部', depth: 0, path: '南部' },
      { code: 'sanyo', label: '山陽', depth: 1, path: '南部 › 山陽' },
    ]);
    // Unpublished forms are not listed.
    const draft = await admin.post('/api/forms', { title: '下書きの調査', organisationId: t.orgs.ka });
    expect(draft.status).toBe(201);
    await admin.put(`/api/forms/${draft.body.id}/draft`, { definition: APPLICATION });
    const again = (await admin.get('/api/segments/form-questions')).body.items as Array<{ id: string }>;
    expect(again.map((f) => f.id)).not.toContain(draft.body.id);
    expect(again.map((f) => f.id)).toEqual(expect.arrayContaining([form.id, other.id]));

    // Another organisation's forms are not listed without a grant; a view grant lists that form.
    const foreign = await staffB.get('/api/segments/form-questions');
    expect(foreign.status).toBe(200);
    expect(foreign.body.items).toEqual([]);
    const shared = await publishedForm(admin, t.orgs.ka!, APPLICATION, {}, '共有する調査');
    await admin.put(`/api/forms/${shared.id}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.kb, permissions: ['view'] }],
    });
    const granted = await staffB.get('/api/segments/form-questions');
    expect(granted.body.items.map((f: { id: string }) => f.id)).toEqual([shared.id]);
  });

  it('lists questions across published versions: the latest label wins, dropped ones are marked 旧版', async () => {
    const def = (label: string, withNote: boolean): FormDefinitionInput => ({
      schemaVersion: 1,
      pages: [
        {
          code: 'p1',
          title: '',
          sections: [
            {
              code: 's1',
              title: '',
              items: [
                { type: 'number' as const, code: 'score', label },
                ...(withNote ? [{ type: 'shortText' as const, code: 'note', label: '備考' }] : []),
              ],
            },
          ],
        },
      ],
    });
    const f = await publishedForm(admin, t.orgs.ka!, def('点数', true), {}, '版を重ねた調査');
    expect(
      (await admin.put(`/api/forms/${f.id}/draft`, { definition: def('満足度（10点満点）', false) })).status,
    ).toBe(200);
    expect((await admin.post(`/api/forms/${f.id}/publish`)).status).toBe(200);
    const res = await admin.get('/api/segments/form-questions');
    const listed = (res.body.items as Array<{ id: string; questions: unknown[] }>).find(
      (x) => x.id === f.id,
    )!;
    expect(listed.questions).toEqual([
      { code: 'score', label: '満足度（10点満点）', type: 'number', kind: 'number' },
      { code: 'note', label: '備考（旧版）', type: 'shortText', kind: 'text' },
    ]);
    // What is listed is what a condition may name.
    expect((await count(leaf('note', 'answered', [], f.id))).status).toBe(200);
  });

  it('FORM-6: creates a draft delivery to a segment with a button to the form', async () => {
    const seg = await admin.post('/api/segments', {
      name: '北部で回答した人',
      organisationId: t.orgs.ka,
      definition: leaf('area', 'in', ['north']),
    });
    const res = await admin.post(`/api/forms/${form.id}/send`, { segmentId: seg.body.id });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('draft');
    const d = await admin.get(`/api/deliveries/${res.body.deliveryId}`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({
      status: 'draft',
      title: 'フォーム「子育て調査」のご案内',
      organisationId: t.orgs.ka,
      target: { type: 'segment', segmentId: seg.body.id },
    });
    expect(d.body.messages[0].text).toContain('「子育て調査」へのご回答をお願いします');
    expect(d.body.messages[1].template.actions[0]).toEqual({
      type: 'uri',
      label: '回答する',
      uri: `http://localhost:3000/t/${t.tenant.slug}/forms/${form.code}`,
    });
    const all = await admin.post(`/api/forms/${form.id}/send`, { text: 'アンケートにご協力ください' });
    expect(all.status).toBe(201);
    expect((await admin.get(`/api/deliveries/${all.body.deliveryId}`)).body.target).toEqual({ type: 'all' });
    // On the test channel the button opens the test channel's LIFF app (signed in as its friend).
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'test', {
        channelId: '1999999999',
        channelSecret: 'c'.repeat(32),
        accessToken: 'test-channel-token',
        botUserId: null,
        loginChannelId: null,
        liffId: '1999999999-TestApp',
        forwardUrl: null,
      }),
    );
    const onTest = await admin.post(`/api/forms/${form.id}/send`, { channel: 'test' });
    expect(onTest.status, JSON.stringify(onTest.body)).toBe(201);
    expect(
      (await admin.get(`/api/deliveries/${onTest.body.deliveryId}`)).body.messages[1].template.actions[0].uri,
    ).toBe(`https://liff.line.me/1999999999-TestApp/forms/${form.code}`);
    expect((await noDelivery.post(`/api/forms/${form.id}/send`, {})).status).toBe(403);
    const unpublished = await admin.post('/api/forms', { title: '未公開', organisationId: t.orgs.ka });
    expect((await admin.post(`/api/forms/${unpublished.body.id}/send`, {})).status).toBe(409);
  });
});
