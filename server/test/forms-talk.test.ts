import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidPng, startEmulator, type RunningEmulator } from '@tsunagu/line-emulator';
import { formTalkStartData, type FormDefinitionInput } from '../src/contracts/index.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { processUserEvents } from '../src/modules/line/events.jobs.js';
import { closeLineEventsQueue } from '../src/modules/line/line-queue.js';
import {
  closeFormsQueue,
  formsQueue,
  startFormsWorker,
  type FormsWorker,
} from '../src/modules/forms/form-jobs.js';
import { TALK_HANDOFF_LABEL } from '../src/modules/forms/form-talk.js';
import { ResidentClient, lineUserId, publishedForm } from './forms-fixtures.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

/**
 * FORM-10 会話形式 (docs/decisions/0012-forms-in-the-talk.md): residents answer a form in the LINE
 * talk of the emulator — branching, re-asking on invalid input, going back, the hand-off to the
 * form's page for personal items with the talk's answers as the draft, a submission from the
 * talk's confirmation that happens once however often the button arrives, the 受付番号 reaching
 * the talk exactly once — and staff's message to one respondent (FORM-10 ⑧).
 */

const CHANNEL_ID = String(1900000000 + Math.floor(Math.random() * 9e7));
const SECRET = 'talk-test-secret';
const TOKEN = 'talk-test-token';
const LIFF_ID = '2000000000-talk';

interface QuickItem {
  action: { type: string; label: string; data: string; displayText?: string };
}
interface BotEntry {
  messageId: string;
  at: number;
  retryKey?: string;
  message: {
    type: string;
    text?: string;
    quickReply?: { items: QuickItem[] };
    contents?: unknown;
  };
}

const NO_PERSONAL: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '',
      sections: [
        {
          code: 's1',
          items: [
            {
              type: 'singleChoice',
              code: 'visit',
              label: '来庁の目的',
              required: true,
              options: [
                { code: 'tax', label: '税の手続き' },
                { code: 'other', label: 'その他' },
              ],
            },
            {
              type: 'multipleChoice',
              code: 'good',
              label: 'よかった点',
              options: [
                { code: 'fast', label: '待ち時間' },
                { code: 'kind', label: '職員の対応' },
                { code: 'clear', label: '案内表示' },
              ],
            },
            { type: 'date', code: 'day', label: '来庁日' },
            { type: 'longText', code: 'comment', label: 'ご意見', maxLength: 500 },
          ],
        },
      ],
    },
  ],
};

describe('forms answered in the LINE talk (FORM-10)', () => {
  let emu: RunningEmulator;
  let server: http.Server;
  let worker: FormsWorker;
  let t: TestTenant;
  let admin: AdminClient;
  let staffB: AdminClient;
  const year = new Date(Date.now() + 9 * 3600 * 1000).getUTCFullYear();

  const emuAdmin = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as T;
  };

  /** A resident with a LIFF session and the same user in the emulator, a friend of the channel. */
  const resident = async () => {
    const uid = lineUserId();
    const r = await ResidentClient.signIn(t.tenant, { lineUserId: uid });
    await emuAdmin('POST', `/channels/${CHANNEL_ID}/users`, {
      userId: uid,
      displayName: '市民',
      silent: true,
    });
    const bot = async () =>
      (await emuAdmin<{ messages: BotEntry[] }>('GET', `/channels/${CHANNEL_ID}/users/${uid}/messages`))
        .messages;
    const act = async (action: Record<string, unknown>) => {
      await emuAdmin('POST', `/channels/${CHANNEL_ID}/users/${uid}/actions`, action);
      await processUserEvents({ tenantId: t.tenant.id, channelKind: 'production', userId: uid });
    };
    const last = async () => {
      const all = await bot();
      return all[all.length - 1]!;
    };
    const labels = async () => ((await last()).message.quickReply?.items ?? []).map((i) => i.action.label);
    /** Taps a quick reply of the bot's last message, as the app does (its postback and display text). */
    const tap = async (label: string, delivery?: Record<string, boolean>) => {
      const items = (await last()).message.quickReply?.items ?? [];
      const item = items.find((i) => i.action.label === label);
      if (!item) throw new Error(`no button ${label} in ${JSON.stringify(items.map((i) => i.action.label))}`);
      await act({
        type: 'postback',
        data: item.action.data,
        displayText: item.action.displayText,
        ...(delivery ? { delivery } : {}),
      });
      return item.action.data;
    };
    const say = (text: string) => act({ type: 'text', text });
    return { r, uid, bot, last, labels, tap, say, act };
  };

  const responsesOf = (formId: string) =>
    withTenant(t.tenant.id, (m) =>
      m.query('select id, receipt_number, source, resident_id from form_response where form_id = $1', [
        formId,
      ]),
    ) as Promise<Array<{ id: string; receipt_number: string; source: string; resident_id: string | null }>>;

  const waitFor = async <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    t = await createTestTenant('ft');
    server = http.createServer(testApp());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    emu = await startEmulator({
      channels: [
        {
          channelId: CHANNEL_ID,
          channelSecret: SECRET,
          channelAccessToken: TOKEN,
          webhookUrl: `http://127.0.0.1:${port}/webhook/${t.tenant.slug}`,
        },
      ],
    });
    setLineConfig({ apiBaseUrl: emu.url, dataApiBaseUrl: emu.url, requestTimeoutMs: 5000 });
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'production', {
        channelId: CHANNEL_ID,
        channelSecret: SECRET,
        accessToken: TOKEN,
        botUserId: null,
        loginChannelId: null,
        liffId: LIFF_ID,
        forwardUrl: null,
      }),
    );
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const sb = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.kb!],
      featuresAllow: ['forms'],
    });
    staffB = AdminClient.forTenant(t.tenant);
    expect((await staffB.login(sb.loginId)).status).toBe(200);
    await formsQueue().obliterate({ force: true });
    worker = await startFormsWorker();
  });

  afterAll(async () => {
    await worker?.close();
    await closeFormsQueue();
    await emu?.close();
    server?.close();
    setLineConfig(undefined);
    await closeLineEventsQueue();
    await closeDataSources();
    await closeRedis();
  });

  let commentForm: { id: string; code: string; version: number };

  it('a public comment: asked in the talk with branching, re-asking and going back; personal items continue on the page', async () => {
    const created = await admin.post('/api/forms', {
      title: '〇〇計画（案）への意見募集',
      organisationId: t.orgs.ka,
      template: 'public_comment',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.settings).toMatchObject({ talkMode: true, talkKeyword: null });
    const patched = await admin.patch(`/api/forms/${created.body.id}/settings`, { talkKeyword: 'パブコメ' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const pub = await admin.post(`/api/forms/${created.body.id}/publish`);
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    commentForm = { id: created.body.id, code: created.body.code, version: pub.body.version };

    const u = await resident();
    // The keyword (full-width spaces and all) starts it; the description comes first.
    await u.say(' パブコメ ');
    const opening = await u.bot();
    expect(opening.map((e) => e.message.text).join('\n')).toContain('パブリックコメント（意見募集）');
    expect((await u.last()).message.text).toContain('【必須】意見を提出する案件');
    expect(await u.labels()).toEqual(['〇〇計画（案）', 'やめる']);

    await u.tap('〇〇計画（案）');
    expect((await u.last()).message.text).toContain('提出者の区分');
    expect(await u.labels()).toContain('ひとつ戻る');
    // Branching: stakeholders are asked what their interest is…
    await u.tap('案件に利害関係がある方');
    expect((await u.last()).message.text).toContain('案件との利害関係の内容');
    // …back, and as a resident that question does not come.
    await u.tap('ひとつ戻る');
    expect((await u.last()).message.text).toContain('【必須】提出者の区分');
    await u.tap('市内に住所がある方');
    expect((await u.last()).message.text).toContain('【任意】該当するページ');
    expect(await u.labels()).toEqual(['スキップ', 'ひとつ戻る', 'やめる']);

    // An invalid number is re-asked with the engine's message.
    await u.say('さんページ');
    const bad = (await u.last()).message.text!;
    expect(bad).toMatch(/^⚠ .*数/);
    expect(bad).toContain('該当するページ');
    await u.say('０');
    expect((await u.last()).message.text).toContain('1以上');
    await u.say('１２');
    expect((await u.last()).message.text).toContain('【任意】該当する箇所');
    await u.tap('スキップ');
    expect((await u.last()).message.text).toContain('【必須】ご意見');
    await u.say('駐輪場を増やしてください。');

    // Name, address and contact are never asked in the talk: a button opens the page.
    const handoff = await u.last();
    expect(handoff.message.type).toBe('flex');
    const flex = JSON.stringify(handoff.message.contents);
    expect(flex).toContain(TALK_HANDOFF_LABEL);
    // …at the page the talk stopped before (提出者), not at the first one it already answered.
    expect(flex).toContain(`https://liff.line.me/${LIFF_ID}/forms/${commentForm.code}?page=p_submitter`);
    const said = (await u.bot()).map((e) => JSON.stringify(e.message)).join('\n');
    for (const personal of [
      '】氏名',
      '郵便番号',
      '住所（所在地）',
      '電話番号',
      'メールアドレス',
      '意見の反映',
    ])
      expect(said).not.toContain(personal);
    const talks = await withTenant(t.tenant.id, (m) =>
      m.query('select 1 from form_talk where resident_id = $1', [u.r.id]),
    );
    expect(talks).toHaveLength(0);

    // The page restores the talk's answers as the draft.
    const page = await u.r.get(`/forms/${commentForm.code}`);
    expect(page.status).toBe(200);
    expect(page.body.draft.answers).toEqual({
      case: 'plan_2026',
      submitter_type: 'resident',
      page_ref: 12,
      opinion: '駐輪場を増やしてください。',
    });

    const sent = await u.r.post(`/forms/${commentForm.code}/responses`, {
      version: commentForm.version,
      answers: {
        ...page.body.draft.answers,
        name: '山田 太郎',
        postal_code: '511-0061',
        address: { prefecture: '三重県', city: '桑名市', town: '寿町1-1' },
      },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.receiptNumber).toBe(`P-${year}-000001`);
    const rows = await responsesOf(commentForm.id);
    expect(rows).toEqual([
      { id: expect.any(String), receipt_number: `P-${year}-000001`, source: 'line', resident_id: u.r.id },
    ]);
    // The outbox pushes the 受付番号 to the talk, once.
    await waitFor(
      async () =>
        (await u.bot()).some((e) => e.message.text?.includes(`受付番号：P-${year}-000001`))
          ? true
          : undefined,
      'the completion message',
    );
    await new Promise((res) => setTimeout(res, 500));
    expect((await u.bot()).filter((e) => e.message.text?.includes(`P-${year}-000001`))).toHaveLength(1);
  });

  it('a rich-menu area starts the conversation, another opens the form page; unusable forms are refused at publish', async () => {
    const talkForm = await publishedForm(admin, t.orgs.ka!, NO_PERSONAL, { talkMode: true }, '窓口の満足度');
    const pageOnly = await publishedForm(admin, t.orgs.ka!, NO_PERSONAL, {}, '窓口の申込');
    const draft = await admin.post('/api/forms', { title: '準備中のフォーム', organisationId: t.orgs.ka });
    const set = await admin.post('/api/richmenus', { name: 'フォームの入口', organisationId: t.orgs.ka });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    const half = (x: number, action: Record<string, unknown>) => ({
      bounds: { x, y: 0, width: 1250, height: 843 },
      action,
    });
    const tabBody = (areas: unknown[]) => ({
      name: 'フォーム',
      chatBarText: 'メニュー',
      size: { width: 2500, height: 843 },
      areas,
    });
    // A code that is no form of this city is refused when the menu is saved.
    const unknown = await admin.post(
      `/api/richmenus/${set.body.id}/tabs`,
      tabBody([half(0, { type: 'form', formCode: 'no-such-form', open: 'talk' })]),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { path: 'areas.0.action.formCode', message: 'フォームが見つかりません。選び直してください' },
    ]);
    const tab = await admin.post(
      `/api/richmenus/${set.body.id}/tabs`,
      tabBody([
        half(0, { type: 'form', formCode: draft.body.code, open: 'page' }),
        half(1250, { type: 'form', formCode: pageOnly.code, open: 'talk' }),
      ]),
    );
    expect(tab.status, JSON.stringify(tab.body)).toBe(201);
    const image = await admin
      .put(`/api/richmenus/tabs/${tab.body.id}/image`)
      .set('Content-Type', 'application/octet-stream')
      .send(solidPng(2500, 843));
    expect(image.status).toBe(200);
    const publish = () => admin.post(`/api/richmenus/${set.body.id}/publish`, { channel: 'production' });
    // Published only when every form can be used as the area says.
    const notPublished = await publish();
    expect(notPublished.status).toBe(422);
    expect(notPublished.body.title).toContain('フォーム「準備中のフォーム」は公開されていません');
    await admin.patch(`/api/richmenus/tabs/${tab.body.id}`, {
      areas: [
        half(0, { type: 'form', formCode: pageOnly.code, open: 'page', label: '申込' }),
        half(1250, { type: 'form', formCode: pageOnly.code, open: 'talk' }),
      ],
    });
    const noTalk = await publish();
    expect(noTalk.status).toBe(422);
    expect(noTalk.body.title).toContain('「窓口の申込」はトークでの回答がオフです');
    await admin.patch(`/api/richmenus/tabs/${tab.body.id}`, {
      areas: [
        half(0, { type: 'form', formCode: pageOnly.code, open: 'page', label: '申込' }),
        half(1250, { type: 'form', formCode: talkForm.code, open: 'talk' }),
      ],
    });
    const published = await publish();
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const menu = (await (
      await fetch(`${emu.url}/v2/bot/richmenu/${published.body.menus[0].richMenuId}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { areas: Array<{ action: Record<string, unknown> }> };
    expect(menu.areas[0]!.action).toEqual({
      type: 'uri',
      label: '申込',
      uri: `https://liff.line.me/${LIFF_ID}/forms/${pageOnly.code}`,
    });
    expect(menu.areas[1]!.action).toMatchObject({
      type: 'postback',
      data: expect.stringMatching(new RegExp(`^rm:[a-z0-9]+:1:form:${talkForm.code}:start$`)),
      displayText: '「窓口の満足度」に回答する',
    });

    // A friend taps the talk area: the conversation starts with the first question.
    const u = await resident();
    await u.act({ type: 'richmenu', areaIndex: 1 });
    const said = (await u.bot()).map((e) => e.message.text ?? '').join('\n');
    expect(said).toContain('「窓口の満足度」にトークで回答します');
    expect((await u.last()).message.text).toContain('来庁の目的');
  });

  it('a form without personal items is confirmed and sent from the talk, once however often 送信する arrives', async () => {
    const form = await publishedForm(
      admin,
      t.orgs.ka!,
      NO_PERSONAL,
      { talkMode: true, receiptPrefix: 'Q' },
      '窓口アンケート',
    );
    // The invitation (FORM-6) gets a second button that starts the conversation.
    const invite = await admin.post(`/api/forms/${form.id}/send`, {});
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    const delivery = await admin.get(`/api/deliveries/${invite.body.deliveryId}`);
    expect(delivery.body.messages[1].template.actions[1]).toEqual({
      type: 'postback',
      label: 'トークで回答する',
      data: formTalkStartData(form.code),
      displayText: 'トークで回答する',
    });
    const u = await resident();
    // The start postback (a rich-menu area or the invitation's button).
    await u.act({ type: 'postback', data: formTalkStartData(form.code) });
    expect((await u.bot())[0]!.message.text).toContain('「窓口アンケート」にトークで回答します');
    expect((await u.last()).message.text).toContain('来庁の目的');
    await u.tap('その他');
    // Multiple choice: ticks, then 決定.
    await u.tap('□待ち時間');
    await u.tap('□案内表示');
    expect(await u.labels()).toEqual(
      expect.arrayContaining(['✓待ち時間', '□職員の対応', '✓案内表示', '決定（2件）']),
    );
    await u.tap('✓案内表示');
    await u.tap('決定（1件）');
    expect((await u.last()).message.text).toContain('来庁日');
    await u.say('2026/13/1');
    expect((await u.last()).message.text).toMatch(/^⚠/);
    await u.say('2026/4/1');
    await u.say('いつもありがとうございます');
    const summary = (await u.last()).message.text!;
    expect(summary).toContain('■来庁の目的\nその他');
    expect(summary).toContain('■よかった点\n待ち時間');
    expect(summary).toContain('■来庁日\n2026年4月1日');
    expect(await u.labels()).toEqual(['送信する', '修正する', 'やめる']);

    // 修正する: back to an item; the later ones are asked again.
    await u.tap('修正する');
    await u.tap('来庁日');
    expect((await u.last()).message.text).toContain('来庁日');
    await u.tap('スキップ');
    await u.say('駐車場が便利でした');
    const again = (await u.last()).message.text!;
    expect(again).toContain('■来庁日\n（回答なし）');
    expect(again).toContain('駐車場が便利でした');

    // LINE redelivers the tap and the resident taps twice: one response.
    const data = await u.tap('送信する', { redeliver: true });
    await u.act({ type: 'postback', data, displayText: '送信する' });
    const rows = await responsesOf(form.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      receipt_number: `Q-${year}-000001`,
      source: 'line',
      resident_id: u.r.id,
    });
    const stored = await admin.get(`/api/forms/${form.id}/responses/${rows[0]!.id}`);
    expect(stored.body.answers).toEqual({ visit: 'other', good: ['fast'], comment: '駐車場が便利でした' });
    await waitFor(
      async () =>
        (await u.bot()).some((e) => e.message.text?.includes(`受付番号：Q-${year}-000001`))
          ? true
          : undefined,
      'the completion message',
    );
    await new Promise((res) => setTimeout(res, 500));
    expect((await u.bot()).filter((e) => e.message.text?.includes(`Q-${year}-000001`))).toHaveLength(1);
    // The conversation is over: typing is no longer taken as an answer.
    const before = (await u.bot()).length;
    await u.say('ありがとう');
    expect((await u.bot()).length).toBe(before);
  });

  it('starts from a rich-menu area; やめる ends the conversation; a form not open for the talk says so', async () => {
    const u = await resident();
    // A rich-menu area's postback carries the start data after the tap counter's prefix.
    await u.act({ type: 'postback', data: `rm:tab00001:2:${formTalkStartData(commentForm.code)}` });
    expect((await u.last()).message.text).toContain('意見を提出する案件');
    await u.tap('やめる');
    expect((await u.last()).message.text).toContain('回答をやめました');
    const off = await publishedForm(admin, t.orgs.ka!, NO_PERSONAL, {}, 'トーク不可');
    await u.act({ type: 'postback', data: formTalkStartData(off.code) });
    expect((await u.last()).message.text).toBe('このフォームはトークでは回答できません。');
  });

  it('long lists are numbered, a hierarchy is listed by path, a repeating section continues on the page keeping what was typed there; stale and expired buttons', async () => {
    const form = await publishedForm(
      admin,
      t.orgs.ka!,
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            title: '',
            sections: [
              {
                code: 's1',
                items: [
                  {
                    type: 'dropdown',
                    code: 'ward',
                    label: '地区',
                    required: true,
                    options: Array.from({ length: 15 }, (_, i) => ({
                      code: `w${i + 1}`,
                      label: `第${i + 1}地区`,
                    })),
                  },
                  {
                    type: 'hierarchyChoice',
                    code: 'place',
                    label: '場所',
                    required: true,
                    options: [
                      {
                        code: 'north',
                        label: '北部',
                        children: [
                          { code: 'tado', label: '多度' },
                          { code: 'nagashima', label: '長島' },
                        ],
                      },
                    ],
                  },
                ],
              },
              {
                code: 'kids',
                title: 'お子さま',
                repeat: { max: 3 },
                items: [{ type: 'shortText', code: 'kid', label: 'お子さまの名前' }],
              },
            ],
          },
        ],
      },
      { talkMode: true, talkKeyword: 'ＫＩＤＳ' },
      '子ども会',
    );
    const u = await resident();
    // Typed on the page before: kept when the talk hands over.
    expect(
      (
        await u.r.put(`/forms/${form.code}/draft`, {
          version: form.version,
          answers: { kids: [{ kid: '一郎' }] },
        })
      ).status,
    ).toBe(200);
    // The keyword is compared in NFKC and lower case (ＫＩＤＳ = kids).
    await u.say('kids');
    const list = (await u.last()).message.text!;
    expect(list).toContain('1. 第1地区');
    expect(list).toContain('15. 第15地区');
    expect(list).toContain('番号を送ってください');
    expect(await u.labels()).toEqual(['やめる']);
    await u.say('16');
    expect((await u.last()).message.text).toMatch(/^⚠ 選択肢の中から選んでください/);
    await u.say('３');
    expect(await u.labels()).toEqual(['北部 > 多度', '北部 > 長島', 'ひとつ戻る', 'やめる']);

    // A button of an earlier step does nothing.
    const step: Array<{ step: number }> = await withTenant(t.tenant.id, (m) =>
      m.query('select step from form_talk where resident_id = $1', [u.r.id]),
    );
    const before = (await u.bot()).length;
    await u.act({ type: 'postback', data: `ft:${step[0]!.step - 1}:a:w1` });
    expect((await u.bot()).length).toBe(before);

    await u.tap('北部 > 長島');
    const handoff = await u.last();
    expect(handoff.message.type).toBe('flex');
    const page = await u.r.get(`/forms/${form.code}`);
    expect(page.body.draft.answers).toEqual({ ward: 'w3', place: 'nagashima', kids: [{ kid: '一郎' }] });

    // A conversation left for a day: the next tap says so and nothing is answered.
    await u.say('kids');
    await withTenant(t.tenant.id, (m) =>
      m.query(`update form_talk set expires_at = now() - interval '1 minute' where resident_id = $1`, [
        u.r.id,
      ]),
    );
    await u.tap('やめる');
    expect((await u.last()).message.text).toContain('24時間が過ぎたため');
    expect(
      await withTenant(t.tenant.id, (m) =>
        m.query('select 1 from form_talk where resident_id = $1', [u.r.id]),
      ),
    ).toHaveLength(0);
  });

  it('staff message one respondent: sent once through the outbox, audited without the text; refused where no LINE friend is', async () => {
    const rows = await responsesOf(commentForm.id);
    const rid = rows[0]!.id;
    const uid = (
      await withTenant(t.tenant.id, (m) =>
        m.query('select line_user_id from resident where id = $1', [rows[0]!.resident_id]),
      )
    )[0].line_user_id as string;
    const detail = await admin.get(`/api/forms/${commentForm.id}/responses/${rid}`);
    expect(detail.body).toMatchObject({ messages: [], canMessage: true, messageBlockedReason: null });

    expect(
      (await admin.post(`/api/forms/${commentForm.id}/responses/${rid}/messages`, { text: ' ' })).status,
    ).toBe(422);
    const text = '山田様、ご意見ありがとうございます。担当：都市計画課';
    const res = await admin.post(`/api/forms/${commentForm.id}/responses/${rid}/messages`, { text });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      text,
      status: 'pending',
      sentAt: null,
      sentByLabel: expect.any(String),
    });
    const sent = await waitFor(async () => {
      const d = await admin.get(`/api/forms/${commentForm.id}/responses/${rid}`);
      return d.body.messages[0]?.status === 'sent' ? d.body.messages : undefined;
    }, 'the message to be sent');
    expect(sent).toEqual([
      expect.objectContaining({ id: res.body.id, text, status: 'sent', sentAt: expect.any(String) }),
    ]);
    const pushed = await emuAdmin<{ messages: BotEntry[] }>(
      'GET',
      `/channels/${CHANNEL_ID}/messages?retryKey=${res.body.id}`,
    );
    expect(pushed.messages.map((e) => e.message.text)).toEqual([text]);
    expect(
      (
        await emuAdmin<{ messages: BotEntry[] }>('GET', `/channels/${CHANNEL_ID}/users/${uid}/messages`)
      ).messages.filter((e) => e.message.text === text),
    ).toHaveLength(1);
    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(`select detail from audit_log where action = 'form.response_message' and target_id = $1`, [
        rid,
      ]),
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0].detail)).not.toContain('山田');
    expect(audit[0].detail).toMatchObject({ messageId: res.body.id, length: text.length });

    // Another organisation's staff get nothing; with a view grant they read the response but may not write.
    expect(
      (await staffB.post(`/api/forms/${commentForm.id}/responses/${rid}/messages`, { text: 'x' })).status,
    ).toBe(403);
    await admin.put(`/api/forms/${commentForm.id}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.kb, permissions: ['view'] }],
    });
    expect((await staffB.get(`/api/forms/${commentForm.id}/responses/${rid}`)).status).toBe(200);
    expect(
      (await staffB.post(`/api/forms/${commentForm.id}/responses/${rid}/messages`, { text: 'x' })).status,
    ).toBe(403);
    await admin.put(`/api/forms/${commentForm.id}/grants`, { grants: [] });

    // A response entered by staff has nobody in LINE behind it.
    const entered = await admin.post(`/api/forms/${commentForm.id}/responses`, {
      version: commentForm.version,
      source: 'paper',
      answers: {
        case: 'plan_2026',
        submitter_type: 'resident',
        opinion: '紙で提出',
        name: '佐藤 花子',
        postal_code: '511-0061',
        address: { prefecture: '三重県', city: '桑名市', town: '寿町2-2' },
      },
    });
    expect(entered.status, JSON.stringify(entered.body)).toBe(201);
    const paper = await admin.post(`/api/forms/${commentForm.id}/responses/${entered.body.id}/messages`, {
      text: 'x',
    });
    expect(paper.status).toBe(422);
    expect(paper.body.title).toBe('この回答者にはメッセージを送れません');
    expect(paper.body.detail).toContain('LINEを使わずに受け付けた回答');
    const paperDetail = await admin.get(`/api/forms/${commentForm.id}/responses/${entered.body.id}`);
    expect(paperDetail.body).toMatchObject({ canMessage: false, messages: [] });

    // A resident who blocked the account.
    await withTenant(t.tenant.id, (m) =>
      m.query(`update resident set friend_status = 'blocked' where id = $1`, [rows[0]!.resident_id]),
    );
    const blocked = await admin.post(`/api/forms/${commentForm.id}/responses/${rid}/messages`, { text: 'x' });
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toContain('ブロック');
    const blockedDetail = await admin.get(`/api/forms/${commentForm.id}/responses/${rid}`);
    expect(blockedDetail.body.canMessage).toBe(false);
    expect(blockedDetail.body.messageBlockedReason).toContain('ブロック');
    expect(blockedDetail.body.messages).toHaveLength(1);
  });
});
