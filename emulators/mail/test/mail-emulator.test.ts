import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { startMailEmulator, type RunningMailEmulator } from '../src/index.js';

describe('mail emulator', () => {
  let catcher: RunningMailEmulator;
  let sender: RunningMailEmulator;

  beforeAll(async () => {
    catcher = await startMailEmulator({ smtpPort: 0, httpPort: 0 });
    // A second emulator plays the city's mail system, relaying into the first one's SMTP port.
    sender = await startMailEmulator({
      smtpPort: 0,
      httpPort: 0,
      relay: { host: '127.0.0.1', port: catcher.smtpPort },
    });
  });
  afterAll(async () => {
    await sender.close();
    await catcher.close();
  });

  it('catches mail over SMTP and lists it per recipient, in Japanese', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: catcher.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await t.sendMail({
      from: 'noreply@toyonaka.example.jp',
      to: 'hanako@example.jp',
      subject: '【豊中市】子育て情報',
      text: '乳幼児健診のお知らせです。',
    });
    await t.sendMail({
      from: 'noreply@toyonaka.example.jp',
      to: 'taro@example.jp',
      subject: '別の人',
      text: 'x',
    });
    t.close();
    const res = await fetch(`${catcher.url}/_mail/messages?to=hanako@example.jp`);
    const { messages } = (await res.json()) as { messages: Array<{ subject: string; text: string }> };
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      subject: '【豊中市】子育て情報',
      text: '乳幼児健診のお知らせです。',
    });
    const page = await (await fetch(`${catcher.url}/?to=hanako@example.jp`)).text();
    expect(page).toContain('受け取ったメール（1通）');
    expect(page).toContain('乳幼児健診のお知らせです。');
  });

  it('sends a mail to another SMTP server, as the city’s mail system would', async () => {
    const res = await fetch(`${sender.url}/_mail/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        from: 'bousai@vill.tozawa.example.jp',
        to: 'tozawa-abc@mail.localhost',
        subject: '大雨警報',
        text: '本文\n-----\n署名',
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: boolean }).accepted).toBe(true);
    expect(catcher.mails.at(-1)).toMatchObject({
      subject: '大雨警報',
      envelopeTo: ['tozawa-abc@mail.localhost'],
    });
    const missing = await fetch(`${sender.url}/_mail/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'x' }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('送信元と宛先を入力してください');
  });
});
