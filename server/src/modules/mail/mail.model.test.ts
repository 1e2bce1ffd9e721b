import { describe, expect, it } from 'vitest';
import { textMessageSchema } from '../../platform/line/messages.js';
import {
  composeMailText,
  mailRuleSchema,
  matchRule,
  parseInboundLocalPart,
  senderAllowed,
  senderPatternSchema,
  type MailRule,
} from './mail.model.js';

const rule = (over: Partial<MailRule>): MailRule => ({
  id: 'r',
  position: 0,
  ...mailRuleSchema.parse({
    name: 'r',
    organisationId: '00000000-0000-4000-8000-000000000000',
    target: { type: 'all' },
  }),
  ...over,
});

describe('mail-to-LINE text', () => {
  const mail = {
    subject: '防災行政無線の放送内容',
    text: '戸沢村からお知らせします。\r\n本日15時、村内全域に大雨警報が発表されました。\r\n\r\n\r\n\r\n-----\r\nこのメールは配信専用です。\r\n総務課 電話 0233-00-0000',
  };

  it('cuts the body at the marker, drops blank runs and adds the subject and footer', () => {
    const text = composeMailText(mail, {
      includeSubject: true,
      cutMarker: '-----',
      footer: '戸沢村 総務課\n※このメッセージに返信はできません',
    });
    expect(text).toBe(
      '【防災行政無線の放送内容】\n戸沢村からお知らせします。\n本日15時、村内全域に大雨警報が発表されました。\n\n戸沢村 総務課\n※このメッセージに返信はできません',
    );
    expect(textMessageSchema.safeParse({ type: 'text', text }).success).toBe(true);
  });

  it('keeps the whole body when the marker is absent and can leave the subject out', () => {
    const text = composeMailText(mail, { includeSubject: false, cutMarker: '#####', footer: null });
    expect(text.startsWith('戸沢村からお知らせします。')).toBe(true);
    expect(text).toContain('総務課 電話');
  });

  it('fits LINE’s 5,000 characters and keeps the footer whole', () => {
    const long = { subject: '長文', text: 'あ'.repeat(6000) + '🌧'.repeat(10) };
    const text = composeMailText(long, { includeSubject: true, cutMarker: null, footer: '戸沢村' });
    expect(text.length).toBeLessThanOrEqual(5000);
    expect(text.endsWith('…（以下省略）\n\n戸沢村')).toBe(true);
    expect(textMessageSchema.safeParse({ type: 'text', text }).success).toBe(true);
  });
});

describe('rules and senders', () => {
  it('takes the first enabled rule, in position order, whose conditions all appear', () => {
    const rules = [
      rule({ id: 'c', position: 2, name: 'その他' }),
      rule({ id: 'a', position: 0, subjectContains: '警報', bodyContains: '避難', name: '避難' }),
      rule({ id: 'off', position: 1, subjectContains: '警報', enabled: false }),
    ];
    expect(matchRule(rules, { subject: '大雨警報', text: '避難所を開設しました' })!.id).toBe('a');
    expect(matchRule(rules, { subject: '大雨警報', text: '注意してください' })!.id).toBe('c');
    expect(matchRule(rules.slice(1), { subject: 'お知らせ', text: '' })).toBeNull();
  });

  it('accepts listed addresses and whole domains only', () => {
    const allowed = ['bousai@vill.tozawa.example.jp', '@pref.example.jp'];
    expect(senderAllowed('Bousai@Vill.Tozawa.example.jp', allowed)).toBe(true);
    expect(senderAllowed('kishou@pref.example.jp', allowed)).toBe(true);
    expect(senderAllowed('kishou@sub.pref.example.jp', allowed)).toBe(false);
    expect(senderAllowed('bousai@vill.tozawa.example.jp.evil.example', allowed)).toBe(false);
    expect(senderAllowed(null, allowed)).toBe(false);
    expect(senderPatternSchema.safeParse('not an address').error?.issues[0]?.message).toContain(
      'メールアドレス',
    );
  });

  it('reads the tenant and token from the inbound address', () => {
    expect(parseInboundLocalPart('tozawa-abcdefghij234567')).toEqual({
      slug: 'tozawa',
      token: 'abcdefghij234567',
    });
    expect(parseInboundLocalPart('tozawa')).toBeNull();
    expect(parseInboundLocalPart('tozawa-short')).toBeNull();
  });

  it('validates a rule with Japanese messages', () => {
    const r = mailRuleSchema.safeParse({ name: '', target: { type: 'segment', segmentId: 'x' } });
    expect(r.error!.issues.map((i) => i.message)).toEqual([
      'ルール名を入力してください',
      '担当の組織を選んでください',
      'セグメントを選んでください',
    ]);
  });
});
