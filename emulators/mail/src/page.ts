import type { CaughtMail, SentMail } from './app.js';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const jst = (iso: string) =>
  new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'medium' });

/** The web view: a mailbox per recipient, the mails sent to the product, and a form to send one. */
export function renderInbox(v: {
  mails: CaughtMail[];
  recipients: string[];
  to: string;
  sent: SentMail[];
  relay: { host: string; port: number } | null;
}): string {
  const list = [...v.mails]
    .reverse()
    .map(
      (m) => `<article class="mail">
  <header><strong>${esc(m.subject || '（件名なし）')}</strong>
  <span class="meta">${esc(jst(m.receivedAt))} &nbsp; 差出人: ${esc(m.from ?? m.envelopeFrom ?? '—')} &nbsp; 宛先: ${esc(m.envelopeTo.join(', '))}</span></header>
  <pre>${esc(m.text)}</pre>
</article>`,
    )
    .join('\n');
  const sent = [...v.sent]
    .reverse()
    .map(
      (s) =>
        `<li><span class="${s.accepted ? 'ok' : 'ng'}">${s.accepted ? '受付' : '拒否'}</span> ${esc(jst(s.sentAt))} ${esc(s.from)} → ${esc(s.to)}「${esc(s.subject)}」 <span class="meta">${esc(s.response)}</span></li>`,
    )
    .join('\n');
  const options = v.recipients
    .map((r) => `<option value="${esc(r)}"${r === v.to ? ' selected' : ''}>${esc(r)}</option>`)
    .join('');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>メール エミュレーター</title>
<style>
  body { font-family: system-ui, "Noto Sans CJK JP", sans-serif; margin: 0; background: #eef0f3; color: #1b1f24; }
  main { max-width: 980px; margin: 0 auto; padding: 16px; display: grid; gap: 16px; }
  section { background: #fff; border-radius: 10px; padding: 16px 20px; }
  h1 { font-size: 1.25rem; margin: 0 0 4px; } h2 { font-size: 1.05rem; margin: 0 0 8px; }
  .meta { color: #5b6470; font-size: .85rem; margin-left: 8px; }
  .mail { border-top: 1px solid #dde1e6; padding: 10px 0; }
  .mail header { display: flex; flex-wrap: wrap; align-items: baseline; }
  pre { white-space: pre-wrap; font-family: inherit; margin: 6px 0 0; }
  label { display: block; font-weight: 600; margin-top: 8px; }
  input, textarea, select { width: 100%; box-sizing: border-box; font: inherit; padding: 6px 8px; border: 1px solid #8a939e; border-radius: 6px; }
  button { margin-top: 10px; font: inherit; padding: 8px 16px; border: 0; border-radius: 6px; background: #06c755; color: #fff; font-weight: 700; cursor: pointer; }
  .ok { color: #0a7a35; font-weight: 700; } .ng { color: #b3261e; font-weight: 700; }
  ul { padding-left: 18px; }
</style></head>
<body><main>
<section><h1>メール エミュレーター</h1>
<p>デモとテスト用のメールサーバーです。本サービスが送ったメールを受け取って表示し、自治体のメールシステムの代わりに本サービスへメールを送ります。</p></section>
<section aria-labelledby="send-title"><h2 id="send-title">本サービスへメールを送る（メール連携）</h2>
${
  v.relay
    ? `<form method="post" action="/send">
<label for="from">差出人</label><input id="from" name="from" required placeholder="bousai@vill.tozawa.example.lg.jp">
<label for="to">宛先（メール連携の受信用アドレス）</label><input id="to" name="to" required>
<label for="subject">件名</label><input id="subject" name="subject">
<label for="text">本文</label><textarea id="text" name="text" rows="6"></textarea>
<button type="submit">送信する</button></form>`
    : '<p>送信先のSMTPサーバーが設定されていません（MAIL_EMULATOR_RELAY）。</p>'
}
<h2 id="sent">送ったメール</h2><ul>${sent || '<li>まだありません</li>'}</ul></section>
<section aria-labelledby="inbox-title"><h2 id="inbox-title">受け取ったメール（${v.mails.length}通）</h2>
<form method="get" action="/"><label for="filter">宛先で絞り込む</label>
<select id="filter" name="to" onchange="this.form.submit()"><option value="">すべて</option>${options}</select></form>
${list || '<p>まだ届いていません。</p>'}
</section>
</main></body></html>`;
}
