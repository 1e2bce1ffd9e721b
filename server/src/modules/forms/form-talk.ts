import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  FORM_PERSONAL_TYPES,
  FORM_STATE_MESSAGES,
  carryOverAnswers,
  evaluateForm,
  formatDateJa,
  isBlankAnswer,
  isIsoDate,
  type CompiledForm,
  type CompiledItem,
  type FormAnswers,
  type FormEvaluation,
} from '../../contracts/index.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError } from '../../platform/http/errors.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import { findChannel, type ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { completionText, enqueueNotifications } from './form-jobs.js';
import { submitResponse } from './form-submit.js';
import {
  compiledVersion,
  currentVersion,
  formState,
  formUrls,
  talkModeSql,
  loadFormByCode,
  loadFormRow,
  settingsOf,
  type FormRow,
} from './forms.service.js';
import { japanPostLookup } from './postal-lookup.js';

/**
 * FORM-10 会話形式: answering a form in the LINE talk (docs/decisions/0012-forms-in-the-talk.md).
 *
 * Started by the postback `form:<code>:start` (a rich-menu area, the invitation's button) or by
 * the form's keyword. The bot asks the visible items one by one with the shared engine deciding
 * visibility, requiredness and validity (branching by earlier answers): choices as quick replies
 * (or a numbered list), text, numbers and dates typed, optional items skippable, always 「ひとつ
 * 戻る」「やめる」. Personal items (FORM_PERSONAL_TYPES or marked personal), files, locations and
 * repeating sections are never asked in the talk (TN 4-③, 5-④: nothing confidential stays on
 * LINE's side): the talk's answers become the resident's draft and a button opens the form's page
 * in LIFF, where the resident completes and sends it. A form without such items ends in the talk
 * with a summary and 「送信する」, which submits through submitResponse like the page does.
 *
 * Runs inside the webhook event's tenant transaction under the per-user lock; replies are sent
 * after the commit. Every button carries the conversation's step: a double tap, a redelivered or a
 * stale button does nothing, so nothing advances or submits twice.
 */

/** A conversation left alone this long is over (the next message starts afresh). */
export const TALK_TIMEOUT_HOURS = 24;
const QUICK_REPLY_MAX = 13;
const ACTION_LABEL_MAX = 20;
const LIST_MAX = 200;
const STATE_PURPOSE = (formId: string) => `form_talk.state:${formId}`;
/** The same sealing as the resident page's drafts (resident-forms.routes.ts), so the page restores them. */
const DRAFT_PURPOSE = (formId: string) => `form_draft.answers:${formId}`;

export const TALK_HANDOFF_LABEL = '個人情報の入力へ進む（LINE内のブラウザで開きます）';

interface TalkState {
  answers: Record<string, unknown>;
  /** Item codes in the order they were answered, skipped or shown (「ひとつ戻る」 walks it back). */
  trail: string[];
  /** A multiple choice's ticks before 「決定」. */
  picks?: string[];
  /** The summary with 「送信する」 was shown. */
  confirming?: boolean;
  /** 「修正する」: the list of answers to go back to is shown. */
  fixing?: boolean;
}

interface TalkRow {
  id: string;
  form_id: string;
  version: number;
  step: number;
  state_enc: string;
  expired: boolean;
}

/** What to send once the event's transaction committed. */
export interface TalkReply {
  tenantId: string;
  channelKind: ChannelKind;
  userId: string;
  replyToken: string | null;
  /** A stable UUID per event: LINE's retry key when the reply token no longer works. */
  retryKey: string;
  messages: LineMessage[];
  /** Outbox rows of a submission made in the talk (the completion message, the department's mail). */
  notifications: string[];
}

interface TalkEvent {
  type: string;
  webhookEventId?: string;
  replyToken?: string;
  timestamp: number;
  source?: { type?: string; userId?: string };
  postback?: { data?: unknown };
  message?: { type?: string; text?: unknown };
}

type Quick = { label: string; data: string; display?: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function text(body: string, quick: Quick[] = []): LineMessage {
  const msg: Record<string, unknown> = { type: 'text', text: clip(body, 5000) };
  if (quick.length)
    msg.quickReply = {
      items: quick.slice(0, QUICK_REPLY_MAX).map((q) => ({
        type: 'action',
        action: {
          type: 'postback',
          label: clip(q.label, ACTION_LABEL_MAX),
          data: q.data,
          displayText: clip(q.display ?? q.label, 300),
        },
      })),
    };
  return msg as LineMessage;
}

/** Items the talk may ask: non-personal, not a file or a place, not inside a repeating section. */
function askableInTalk(ci: CompiledItem): boolean {
  const item = ci.item;
  if (ci.section.section.repeat) return false;
  if (FORM_PERSONAL_TYPES.has(item.type)) return false;
  if ('personal' in item && item.personal) return false;
  return item.type !== 'file' && item.type !== 'location' && item.type !== 'address';
}

type Next =
  | { kind: 'show'; ci: CompiledItem }
  | { kind: 'ask'; ci: CompiledItem; required: boolean }
  | { kind: 'handoff'; ci: CompiledItem }
  | { kind: 'done' };

function evaluate(compiled: CompiledForm, answers: Record<string, unknown>, now: Date): FormEvaluation {
  return evaluateForm(compiled, answers, {
    audience: 'resident',
    now,
    hiddenAnswers: 'drop',
    postalLookup: japanPostLookup,
  });
}

/** Drops answers (and trail entries) of items the answers given since have hidden. */
function settle(compiled: CompiledForm, state: TalkState, now: Date): FormEvaluation {
  const ev = evaluate(compiled, state.answers, now);
  for (const code of ev.dropped) delete state.answers[code];
  state.trail = state.trail.filter((c) => compiled.items.has(c) && ev.visible[c] !== false);
  return ev;
}

/** The first visible item the resident has not been through yet, in document order. */
function nextOf(compiled: CompiledForm, state: TalkState, ev: FormEvaluation): Next {
  const seen = new Set(state.trail);
  for (const page of compiled.pages) {
    if (ev.visible[page.code] === false) continue;
    for (const section of page.sections) {
      if (section.section.staffOnly || ev.visible[section.code] === false) continue;
      for (const ci of section.items) {
        if (ci.staffOnly || ev.visible[ci.code] === false || seen.has(ci.code)) continue;
        if (!ci.input) {
          if (section.section.repeat) return { kind: 'handoff', ci };
          return { kind: 'show', ci };
        }
        if (!askableInTalk(ci)) return { kind: 'handoff', ci };
        return { kind: 'ask', ci, required: Boolean(ev.required[ci.code]) };
      }
    }
  }
  return { kind: 'done' };
}

/** Options of a choice item as the talk lists them (a hierarchy's selectable nodes with their path). */
function optionsOf(ci: CompiledItem): Array<{ code: string; label: string }> {
  const item = ci.item;
  if (item.type === 'hierarchyChoice') {
    const out: Array<{ code: string; label: string }> = [];
    for (const [code, o] of ci.options ?? []) {
      if (item.leafOnly && !o.leaf) continue;
      out.push({ code, label: o.path.map((p) => ci.options!.get(p)?.label ?? p).join(' > ') });
    }
    return out;
  }
  if ('options' in item) return item.options.map((o) => ({ code: o.code, label: o.label }));
  return [];
}

const isChoice = (ci: CompiledItem) =>
  ['singleChoice', 'dropdown', 'hierarchyChoice', 'multipleChoice'].includes(ci.item.type);

/** An answer as the summary shows it (choices by label). */
function display(ci: CompiledItem, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => display(ci, v)).join('、');
  if (typeof value === 'string' && ci.options?.has(value)) return ci.options.get(value)!.label;
  if (typeof value === 'string' && ci.item.type === 'date' && isIsoDate(value)) return formatDateJa(value);
  if (typeof value === 'number' && ci.item.type === 'number' && ci.item.unit)
    return `${value}${ci.item.unit}`;
  return String(value);
}

/** The step, the state and what to do with one event, for one conversation. */
class Conversation {
  messages: LineMessage[] = [];
  notifications: string[] = [];
  /** The row is removed (ended, handed off, submitted, cancelled). */
  ended = false;

  constructor(
    readonly m: EntityManager,
    readonly tenantId: string,
    readonly kind: ChannelKind,
    readonly residentId: string,
    readonly form: FormRow,
    public compiled: CompiledForm,
    public state: TalkState,
    public step: number,
    readonly now: Date,
  ) {}

  private data(cmd: string, arg?: string): string {
    return ['ft', String(this.step + 1), cmd, ...(arg === undefined ? [] : [arg])].join(':');
  }

  private controls(required: boolean, extra: Quick[] = []): Quick[] {
    const out = [...extra];
    if (!required) out.push({ label: 'スキップ', data: this.data('s') });
    if (this.state.trail.some((c) => this.compiled.items.get(c)?.input))
      out.push({ label: 'ひとつ戻る', data: this.data('b') });
    out.push({ label: 'やめる', data: this.data('x') });
    return out;
  }

  /** Shows descriptions and asks the next item, hands off to the page, or shows the summary. */
  advance(prefix = ''): void {
    let lead = prefix;
    for (;;) {
      const ev = settle(this.compiled, this.state, this.now);
      const next = nextOf(this.compiled, this.state, ev);
      if (next.kind === 'show') {
        const item = next.ci.item;
        this.state.trail.push(next.ci.code);
        const body =
          item.type === 'description'
            ? [item.label, item.text].filter(Boolean).join('\n')
            : item.type === 'image'
              ? `［画像］${item.alt}`
              : '';
        if (body) lead = lead ? `${lead}\n\n${body}` : body;
        continue;
      }
      if (lead) this.messages.push(text(lead));
      if (next.kind === 'ask') return this.ask(next.ci, next.required);
      if (next.kind === 'handoff') return void this.handoffPending.push(next.ci.section.page.code);
      return this.confirm(ev);
    }
  }

  /**
   * Set by advance(): the page the form continues on. The caller saves the draft (async) and sends
   * the button, which opens the form at that page (the talk has answered everything before it).
   */
  handoffPending: string[] = [];

  ask(ci: CompiledItem, required: boolean, error?: string): void {
    const item = ci.item as CompiledItem['item'] & { label: string; help?: string };
    const head = [
      error ? `⚠ ${error}` : null,
      `【${required ? '必須' : '任意'}】${item.label}`,
      item.help || null,
    ].filter(Boolean);
    this.state.confirming = false;
    this.state.fixing = false;
    if (isChoice(ci)) {
      const options = optionsOf(ci);
      const multi = item.type === 'multipleChoice';
      const picks = new Set(this.state.picks ?? []);
      const controls = this.controls(
        required,
        multi ? [{ label: `決定（${picks.size}件）`, data: this.data('d'), display: '決定' }] : [],
      );
      if (options.length + controls.length <= QUICK_REPLY_MAX) {
        const quick = options.map((o) => ({
          label: multi ? `${picks.has(o.code) ? '✓' : '□'}${o.label}` : o.label,
          data: this.data(multi ? 't' : 'a', o.code),
          display: o.label,
        }));
        const how = multi
          ? `下のボタンで選んでください（もう一度押すと外れます）。選び終えたら「決定」を押してください。${picks.size ? `\n選択中：${[...picks].map((p) => display(ci, p)).join('、')}` : ''}`
          : '下のボタンから選んでください。';
        this.messages.push(text([...head, how].join('\n'), [...quick, ...controls]));
        return;
      }
      const list = options
        .slice(0, LIST_MAX)
        .map((o, i) => `${i + 1}. ${o.label}`)
        .join('\n');
      const how = multi ? '番号を「1,3」のように区切って送ってください。' : '番号を送ってください。';
      this.messages.push(
        text(
          [...head, list, how].join('\n'),
          controls.filter((q) => !q.data.includes(':d')),
        ),
      );
      return;
    }
    const hint =
      item.type === 'date'
        ? '日付を「2026/4/1」のように入力して送ってください。'
        : item.type === 'number'
          ? `数字で入力して送ってください。${'unit' in item && item.unit ? `（単位：${item.unit}）` : ''}`
          : 'メッセージで入力して送ってください。';
    this.messages.push(text([...head, hint].join('\n'), this.controls(required)));
  }

  /** The summary of the answers with 「送信する」「修正する」. */
  confirm(ev: FormEvaluation): void {
    this.state.confirming = true;
    this.state.fixing = false;
    const lines: string[] = [];
    for (const code of this.state.trail) {
      const ci = this.compiled.items.get(code);
      if (!ci?.input) continue;
      const v = ev.answers[code];
      const label = (ci.item as { label: string }).label;
      lines.push(`■${label}\n${isBlankAnswer(v) ? '（回答なし）' : clip(display(ci, v), 300)}`);
    }
    const body = [
      `「${this.form.title}」の回答内容を確認してください。`,
      '',
      ...lines,
      '',
      'よろしければ「送信する」を押してください。',
    ].join('\n');
    this.messages.push(
      text(body, [
        { label: '送信する', data: this.data('ok') },
        { label: '修正する', data: this.data('fix') },
        { label: 'やめる', data: this.data('x') },
      ]),
    );
  }

  /** 「修正する」: which answer to change. */
  fixList(): void {
    this.state.fixing = true;
    const answered = this.state.trail.filter((c) => this.compiled.items.get(c)?.input);
    const quick: Quick[] = answered.slice(0, QUICK_REPLY_MAX - 2).map((c) => ({
      label: (this.compiled.items.get(c)!.item as { label: string }).label,
      data: this.data('g', c),
    }));
    quick.push({ label: '最初からやり直す', data: this.data('r') });
    quick.push({ label: '確認に戻る', data: this.data('c') });
    this.messages.push(
      text('修正する項目を選んでください。選んだ項目から後ろは、もう一度お答えいただきます。', quick),
    );
  }

  /** Goes back to `code` (or to the last answer): its answer and everything after it are asked again. */
  backTo(code: string | null): void {
    let i = this.state.trail.length;
    if (code === null) {
      while (i > 0 && !this.compiled.items.get(this.state.trail[i - 1]!)?.input) i--;
      i = Math.max(0, i - 1);
    } else {
      const at = this.state.trail.indexOf(code);
      if (at < 0) return;
      i = at;
    }
    for (const c of this.state.trail.slice(i)) delete this.state.answers[c];
    this.state.trail = this.state.trail.slice(0, i);
    this.state.picks = [];
  }

  /** Checks one answer with the engine; on success records it and moves on. */
  answer(ci: CompiledItem, value: unknown): void {
    const candidate = { ...this.state.answers, [ci.code]: value };
    if (isBlankAnswer(value)) delete candidate[ci.code];
    const ev = evaluate(this.compiled, candidate, this.now);
    const error = ev.errors.find((e) => e.path === ci.code || e.path.startsWith(`${ci.code}.`));
    if (error) return this.ask(ci, Boolean(ev.required[ci.code]), error.message);
    if (ev.answers[ci.code] === undefined) delete this.state.answers[ci.code];
    else this.state.answers[ci.code] = ev.answers[ci.code];
    this.state.trail.push(ci.code);
    this.state.picks = [];
    this.advance();
  }

  current(): Next {
    const ev = settle(this.compiled, this.state, this.now);
    return nextOf(this.compiled, this.state, ev);
  }

  /** A typed message: an answer, a number of a listed option, or a word for a control. */
  typed(raw: string): void {
    const s = raw.normalize('NFKC').trim();
    if (s === 'やめる') return this.cancel();
    if (s === 'ひとつ戻る' || s === '戻る') return this.command('b');
    if (this.state.confirming || this.state.fixing) {
      if (s === '送信する') return this.command('ok');
      if (s === '修正する') return this.command('fix');
      return this.resend('下のボタンから「送信する」か「修正する」を選んでください。');
    }
    const next = this.current();
    if (next.kind !== 'ask') return this.resend();
    const ci = next.ci;
    if (s === 'スキップ' && !next.required) return this.command('s');
    if (isChoice(ci)) {
      const options = optionsOf(ci);
      const byNumber = (t: string) => {
        const n = Number(t);
        return Number.isInteger(n) && n >= 1 && n <= options.length ? options[n - 1]!.code : null;
      };
      const byLabel = (t: string) => options.find((o) => o.label.normalize('NFKC') === t)?.code ?? null;
      if (ci.item.type === 'multipleChoice') {
        const parts = s.split(/[\s,、・]+/).filter(Boolean);
        const codes = parts.map((p) => byNumber(p) ?? byLabel(p));
        if (!parts.length || codes.some((c) => c === null))
          return this.ask(ci, next.required, '選択肢の番号を「1,3」のように送ってください');
        return this.answer(ci, [...new Set(codes as string[])]);
      }
      const code = byNumber(s) ?? byLabel(s);
      if (!code) return this.ask(ci, next.required, '選択肢の中から選んでください');
      return this.answer(ci, code);
    }
    return this.answer(ci, raw.trim());
  }

  /** A button of this step. */
  command(cmd: string, arg?: string): void {
    switch (cmd) {
      case 'x':
        return this.cancel();
      case 'b':
        this.state.confirming = false;
        this.state.fixing = false;
        this.backTo(null);
        return this.advance();
      case 'fix':
        return this.fixList();
      case 'c':
        return this.advance();
      case 'r':
        this.state = { answers: {}, trail: [] };
        return this.advance('最初からお伺いします。');
      case 'g':
        if (arg) this.backTo(arg);
        return this.advance();
      case 'ok':
        if (!this.state.confirming) return this.resend();
        this.submitPending = true;
        return;
    }
    const next = this.current();
    if (next.kind !== 'ask') return this.resend();
    const ci = next.ci;
    switch (cmd) {
      case 's':
        if (next.required) return this.ask(ci, true, 'この項目は必須です');
        delete this.state.answers[ci.code];
        this.state.trail.push(ci.code);
        this.state.picks = [];
        return this.advance();
      case 'a':
        return this.answer(ci, arg);
      case 't': {
        if (!arg || !ci.options?.has(arg)) return this.resend();
        const picks = new Set(this.state.picks ?? []);
        if (picks.has(arg)) picks.delete(arg);
        else picks.add(arg);
        this.state.picks = [...picks];
        return this.ask(ci, next.required);
      }
      case 'd':
        return this.answer(ci, this.state.picks ?? []);
    }
    return this.resend();
  }

  submitPending = false;

  /** Asks the current question again (an unexpected message). */
  resend(note?: string): void {
    if (this.state.fixing) return this.fixList();
    const next = this.current();
    if (next.kind === 'ask') return this.ask(next.ci, next.required, note);
    if (next.kind === 'done') return this.confirm(settle(this.compiled, this.state, this.now));
    this.handoffPending.push(next.ci.section.page.code);
  }

  cancel(): void {
    this.ended = true;
    this.messages.push(text('回答をやめました。入力した内容は保存していません。'));
  }
}

/** A UUID derived from a string: the push's retry key, the same for the same event. */
function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function loadTalk(m: EntityManager, residentId: string): Promise<TalkRow | null> {
  const rows: TalkRow[] = await m.query(
    `select id, form_id, version, step, state_enc, expires_at <= now() as expired from form_talk where resident_id = $1`,
    [residentId],
  );
  return rows[0] ?? null;
}

async function responsesOfResident(m: EntityManager, formId: string, residentId: string): Promise<number> {
  const rows: Array<{ n: number }> = await m.query(
    'select count(*)::int as n from form_response where form_id = $1 and resident_id = $2',
    [formId, residentId],
  );
  return rows[0]!.n;
}

/** A published form that may be answered in the talk now, or the reason it may not. */
async function talkableForm(
  m: EntityManager,
  form: FormRow | null,
  residentId: string,
  now: Date,
): Promise<{ form: FormRow } | { refusal: string }> {
  if (!form || form.status === 'draft' || !form.publishedVersion)
    return { refusal: 'このフォームは現在ご利用いただけません。' };
  const settings = settingsOf(form);
  if (!settings.talkMode) return { refusal: 'このフォームはトークでは回答できません。' };
  const state = formState(form, settings, now, await responsesOfResident(m, form.id, residentId));
  if (state !== 'open') return { refusal: `${FORM_STATE_MESSAGES[state]}。` };
  return { form };
}

async function formByKeyword(m: EntityManager, word: string): Promise<FormRow | null> {
  // Few forms have a keyword: compared in one normal form (NFKC, lower case), so ＫＩＤＳ is kids.
  const rows: Array<{ id: string; keyword: string }> = await m.query(
    `select f.id, f.settings->>'talkKeyword' as keyword from form f
      where f.status = 'published' and ${talkModeSql('f')} and f.settings->>'talkKeyword' is not null
      order by f.updated_at desc`,
  );
  const hit = rows.find((r) => r.keyword.normalize('NFKC').trim().toLowerCase() === word.toLowerCase());
  return hit ? loadFormRow(m, hit.id) : null;
}

/**
 * Handles a webhook event if it belongs to answering a form in the talk; null when it does not
 * (the event stays unhandled: another module or the external bot may take it). Never throws for
 * the resident's doing; an unexpected failure is rolled back to a savepoint and logged, so the
 * event itself is still recorded.
 */
export async function handleFormTalk(
  m: EntityManager,
  tenantId: string,
  kind: ChannelKind,
  event: TalkEvent,
  now = new Date(),
): Promise<TalkReply | null> {
  const userId = event.source?.userId;
  // Only the one-to-one talk: a form is never answered in a group or a room.
  if (!userId || (event.source?.type && event.source.type !== 'user')) return null;
  let postback = event.type === 'postback' ? event.postback?.data : undefined;
  // A rich-menu area's postback arrives as `rm:<tab>:<area>:<its data>` (counted by MENU-10 already).
  if (typeof postback === 'string')
    postback = /^rm:[a-z0-9]{6,16}:\d{1,2}:(.+)$/.exec(postback)?.[1] ?? postback;
  const typed =
    event.type === 'message' && event.message?.type === 'text' && typeof event.message.text === 'string'
      ? event.message.text
      : undefined;
  if (typeof postback === 'string') {
    if (!/^(form:[a-z0-9-]{3,40}:start|ft:\d+:[a-z]+(:.+)?)$/.test(postback)) return null;
  } else if (typed === undefined) return null;
  await m.query('savepoint form_talk');
  try {
    const out = await handle(
      m,
      tenantId,
      kind,
      userId,
      typeof postback === 'string' ? postback : null,
      typed ?? null,
      now,
    );
    await m.query('release savepoint form_talk');
    if (!out) return null;
    return {
      tenantId,
      channelKind: kind,
      userId,
      replyToken: event.replyToken ?? null,
      retryKey: stableUuid(`form-talk:${tenantId}:${event.webhookEventId ?? `${userId}:${event.timestamp}`}`),
      messages: out.messages,
      notifications: out.notifications,
    };
  } catch (err) {
    await m.query('rollback to savepoint form_talk');
    logger.error({ err, tenantId }, 'form talk failed; the event is left to other handlers');
    return null;
  }
}

async function handle(
  m: EntityManager,
  tenantId: string,
  kind: ChannelKind,
  userId: string,
  postback: string | null,
  typed: string | null,
  now: Date,
): Promise<{ messages: LineMessage[]; notifications: string[] } | null> {
  const tenant: Array<{ modules: string[]; slug: string }> = await m.query(
    'select modules, slug from tenant where id = $1',
    [tenantId],
  );
  if (!tenant[0]?.modules.includes('forms')) return null;
  const residents: Array<{ id: string }> = await m.query(
    'select id from resident where channel_kind = $1 and line_user_id = $2',
    [kind, userId],
  );
  const residentId = residents[0]?.id;
  if (!residentId) return null;
  let row = await loadTalk(m, residentId);
  const reply = (body: string) => ({ messages: [text(body)], notifications: [] });

  if (row?.expired) {
    await m.query('delete from form_talk where id = $1', [row.id]);
    row = null;
    if (postback?.startsWith('ft:'))
      return reply(
        `回答を始めてから${TALK_TIMEOUT_HOURS}時間が過ぎたため、途中までの回答を取り消しました。お手数ですが、もう一度最初からお願いします。`,
      );
  }

  // Starting: the start postback, or the form's keyword when no conversation is going on.
  let start: FormRow | null = null;
  if (postback?.startsWith('form:')) {
    const code = postback.split(':')[1]!;
    const found = await talkableForm(m, await loadFormByCode(m, code), residentId, now);
    if ('refusal' in found) return reply(found.refusal);
    start = found.form;
  } else if (typed !== null && !row) {
    const word = typed.normalize('NFKC').trim();
    if (!word || word.length > 30) return null;
    const form = await formByKeyword(m, word);
    if (!form) return null;
    const found = await talkableForm(m, form, residentId, now);
    if ('refusal' in found) return reply(found.refusal);
    start = found.form;
  }

  if (start) {
    if (row && row.form_id === start.id) {
      // The same form again (the rich menu tapped twice): carry on where the resident was.
      const convo = await resume(m, tenantId, kind, residentId, row, now);
      if (!convo) return reply('このフォームは現在ご利用いただけません。');
      convo.resend();
      return finish(m, convo, row.id, tenant[0].slug);
    }
    const intro = [
      `「${start.title}」にトークで回答します。`,
      row ? '（回答の途中だった別のフォームは取り消しました）' : null,
      '質問に順にお答えください。途中でやめるときは「やめる」を押してください。',
    ]
      .filter(Boolean)
      .join('\n');
    if (row) await m.query('delete from form_talk where id = $1', [row.id]);
    const compiled = await currentVersion(m, start);
    const convo = new Conversation(
      m,
      tenantId,
      kind,
      residentId,
      start,
      compiled,
      { answers: {}, trail: [] },
      0,
      now,
    );
    convo.advance(intro);
    return finish(m, convo, null, tenant[0].slug);
  }

  // A button of a conversation that is over (sent, handed over, cancelled): ours, and nothing to do.
  if (!row) return postback?.startsWith('ft:') ? { messages: [], notifications: [] } : null;
  // A button: only one of the current step counts (a double tap or an old button does nothing).
  if (postback) {
    const [, step, cmd, ...rest] = postback.split(':');
    if (Number(step) !== row.step) return { messages: [], notifications: [] };
    const convo = await resume(m, tenantId, kind, residentId, row, now);
    if (!convo) return reply('このフォームは現在ご利用いただけません。回答を終了しました。');
    convo.command(cmd!, rest.length ? rest.join(':') : undefined);
    return finish(m, convo, row.id, tenant[0].slug);
  }
  const convo = await resume(m, tenantId, kind, residentId, row, now);
  if (!convo) return reply('このフォームは現在ご利用いただけません。回答を終了しました。');
  convo.typed(typed!);
  return finish(m, convo, row.id, tenant[0].slug);
}

/** The conversation of a row, moved to the form's current version; null when the form may not be answered now. */
async function resume(
  m: EntityManager,
  tenantId: string,
  kind: ChannelKind,
  residentId: string,
  row: TalkRow,
  now: Date,
): Promise<Conversation | null> {
  const found = await talkableForm(m, await loadFormRow(m, row.form_id), residentId, now);
  if ('refusal' in found) {
    await m.query('delete from form_talk where id = $1', [row.id]);
    return null;
  }
  const form = found.form;
  let state = JSON.parse(await decryptField(row.state_enc, STATE_PURPOSE(form.id))) as TalkState;
  const compiled = await currentVersion(m, form);
  if (compiled.version !== row.version) {
    // Staff published a new version meanwhile: keep what still fits (as a draft would).
    const from = await compiledVersion(m, form.id, row.version);
    const carried = carryOverAnswers(from, compiled, state.answers);
    state = {
      answers: carried.answers,
      trail: state.trail.filter((c) => compiled.items.has(c) && !carried.dropped.includes(c)),
    };
  }
  return new Conversation(m, tenantId, kind, residentId, form, compiled, state, row.step, now);
}

/** Saves the conversation (or ends it), hands off to the page or submits; what to reply. */
async function finish(
  m: EntityManager,
  convo: Conversation,
  rowId: string | null,
  slug: string,
): Promise<{ messages: LineMessage[]; notifications: string[] }> {
  if (convo.submitPending) await submit(m, convo);
  if (!convo.ended && convo.handoffPending.length) await handoff(m, convo, slug);
  if (convo.ended) {
    if (rowId) await m.query('delete from form_talk where id = $1', [rowId]);
    return { messages: convo.messages.slice(0, 5), notifications: convo.notifications };
  }
  const sealed = await encryptField(JSON.stringify(convo.state), STATE_PURPOSE(convo.form.id));
  const expires = new Date(convo.now.getTime() + TALK_TIMEOUT_HOURS * 3600_000);
  if (rowId)
    await m.query(
      `update form_talk set step = step + 1, version = $2, state_enc = $3, updated_at = now(), expires_at = $4 where id = $1`,
      [rowId, convo.compiled.version, sealed, expires],
    );
  else
    await m.query(
      `insert into form_talk (tenant_id, form_id, resident_id, version, step, state_enc, expires_at)
       values ($1, $2, $3, $4, 1, $5, $6)`,
      [convo.tenantId, convo.form.id, convo.residentId, convo.compiled.version, sealed, expires],
    );
  return { messages: mergeTexts(convo.messages), notifications: convo.notifications };
}

/** A reply holds at most 5 messages: leading plain texts are joined. */
function mergeTexts(messages: LineMessage[]): LineMessage[] {
  if (messages.length <= 5) return messages;
  const keep = messages.slice(-4);
  const lead = messages
    .slice(0, -4)
    .map((x) => (x as { text?: string }).text ?? '')
    .join('\n\n');
  return [text(lead), ...keep];
}

/**
 * The personal part: the talk's answers become the resident's draft (what the page restores) and
 * a button opens the form's page in LINE's browser. The conversation ends here.
 */
async function handoff(m: EntityManager, convo: Conversation, slug: string): Promise<void> {
  const { form, compiled } = convo;
  const ev = settle(compiled, convo.state, convo.now);
  // What the resident already typed on the page (their name, a photo) stays; the talk's items are the talk's.
  const earlier: Array<{ version: number; answers_enc: string }> = await m.query(
    'select version, answers_enc from form_draft where form_id = $1 and resident_id = $2',
    [form.id, convo.residentId],
  );
  let answers: Record<string, unknown> = {};
  if (earlier[0]) {
    const old = JSON.parse(await decryptField(earlier[0].answers_enc, DRAFT_PURPOSE(form.id))) as Record<
      string,
      unknown
    >;
    answers =
      earlier[0].version === compiled.version
        ? old
        : carryOverAnswers(await compiledVersion(m, form.id, earlier[0].version), compiled, old).answers;
  }
  for (const code of convo.state.trail) delete answers[code];
  for (const [code, v] of Object.entries(ev.answers)) if (!isBlankAnswer(v)) answers[code] = v;
  const sealed = await encryptField(JSON.stringify(answers), DRAFT_PURPOSE(form.id));
  await m.query(
    `insert into form_draft (tenant_id, form_id, resident_id, version, answers_enc, file_ids)
     values ($1, $2, $3, $4, $5, '{}'::uuid[])
     on conflict (tenant_id, form_id, resident_id) where resident_id is not null
     do update set version = excluded.version, answers_enc = excluded.answers_enc, saved_at = now()`,
    [convo.tenantId, form.id, convo.residentId, compiled.version, sealed],
  );
  const channel = await findChannel(m, convo.kind);
  const urls = formUrls(slug, channel?.liffId ?? null, form.code, {
    page: convo.handoffPending[convo.handoffPending.length - 1]!,
  });
  convo.ended = true;
  convo.messages.push(
    text(
      'ここまでの回答を保存しました。\nこの先はお名前や連絡先など個人情報の入力があるため、トークではお伺いしません。下のボタンから入力画面を開き、続きを入力して送信してください（ここまでの回答は入力済みになっています）。',
    ),
    {
      type: 'flex',
      altText: `「${clip(form.title, 60)}」の続きはこちらから入力してください`,
      contents: {
        type: 'bubble',
        body: {
          type: 'box',
          layout: 'vertical',
          contents: [
            { type: 'text', text: clip(form.title, 200), weight: 'bold', wrap: true },
            { type: 'text', text: '続きの入力と送信は、入力画面で行います。', wrap: true, size: 'sm' },
          ],
        },
        footer: {
          type: 'box',
          layout: 'vertical',
          contents: [
            {
              type: 'button',
              style: 'primary',
              action: { type: 'uri', label: TALK_HANDOFF_LABEL, uri: urls.liff ?? urls.resident },
            },
          ],
        },
      },
    } as unknown as LineMessage,
  );
}

/** 「送信する」: the same path as the resident page (source line), under a savepoint. */
async function submit(m: EntityManager, convo: Conversation): Promise<void> {
  const ev = settle(convo.compiled, convo.state, convo.now);
  const answers: FormAnswers = {};
  for (const [code, v] of Object.entries(ev.answers)) if (!isBlankAnswer(v)) answers[code] = v;
  await m.query('savepoint form_talk_submit');
  try {
    const result = await submitResponse(
      m,
      convo.tenantId,
      convo.form.id,
      { version: convo.compiled.version, answers },
      {
        residentId: convo.residentId,
        visitorHash: null,
        staffId: null,
        source: 'line',
        actor: { type: 'resident', id: convo.residentId, label: null, ip: null, userAgent: null },
      },
      convo.now,
    );
    await m.query('release savepoint form_talk_submit');
    convo.ended = true;
    convo.notifications = result.notifications;
    // The outbox pushes the completion message with the 受付番号 when the form says so; otherwise it goes here.
    const outboxSends = result.settings.sendCompletionToTalk && !result.updated;
    convo.messages.push(
      text(
        outboxSends
          ? '送信しました。受付番号をお知らせするメッセージをお送りします。'
          : completionText(result.settings.completionMessage, convo.form.title, result.receiptNumber),
      ),
    );
  } catch (err) {
    await m.query('rollback to savepoint form_talk_submit');
    if (!(err instanceof HttpError)) throw err;
    const errors = err.opts.errors ?? [];
    const first = errors
      .map((e) => e.path.replace(/^answers\./, '').split('.')[0]!)
      .find((c) => convo.compiled.items.has(c));
    if (err.status === 422 && first) {
      convo.backTo(first);
      convo.messages.push(text(`送信できませんでした。${errors[0]!.message}`));
      convo.advance();
      return;
    }
    convo.ended = true;
    convo.messages.push(text(`送信できませんでした。${err.message}`));
  }
}

/** Sends a conversation's reply after the commit: the reply token (free), else a push with a retry key. */
export async function sendTalkReply(r: TalkReply): Promise<void> {
  if (r.notifications.length) await enqueueNotifications(r.tenantId, r.notifications);
  if (!r.messages.length) return;
  try {
    const gw = await gatewayFor(r.tenantId, r.channelKind);
    if (r.replyToken) {
      try {
        await gw.reply(r.replyToken, r.messages, { ref: 'form-talk' });
        return;
      } catch (err) {
        logger.warn({ tenantId: r.tenantId, err: (err as Error).message }, 'form talk reply failed; pushing');
      }
    }
    await gw.push(r.userId, r.messages, { retryKey: r.retryKey, ref: 'form-talk' });
  } catch (err) {
    logger.warn({ tenantId: r.tenantId, err: (err as Error).message }, 'form talk reply not sent');
  }
}
