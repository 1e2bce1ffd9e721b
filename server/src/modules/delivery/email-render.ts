import type { LineMessage } from '../../platform/line/messages.js';

/**
 * A delivery's LINE messages as an e-mail (DEL-10: 「同様の内容」): plain text first (what every
 * mail program shows, and what screen readers read), with a simple HTML alternative of the same
 * content. What LINE shows as pictures or buttons becomes words and links:
 * - text as written; LINE emoji (`$` placeholders) are dropped, since no mail program has them;
 * - images, videos and audio as their URLs (the HTML shows images inline);
 * - imagemaps as their alt text, image and link URLs; templates and Flex as their alt text plus
 *   their link URLs, each with its button label (the alt text is what LINE itself shows where it
 *   cannot draw the message, and staff write it for that);
 * - a location as its name, address and a 地理院地図 link; stickers and quick replies are left out
 *   (they have no meaning outside LINE).
 * The run's messages are used, so links are the run's tracking links (clicks from mail count, as
 * anonymous clicks).
 */

export type MailBlock =
  | { kind: 'text'; text: string }
  | { kind: 'image'; url: string; alt: string }
  | { kind: 'link'; label: string; url: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text without the `$` placeholders LINE replaces by emoji (indexes in UTF-16 units, as JS). */
export function withoutEmoji(text: string, emojis: ReadonlyArray<{ index: number }> | undefined): string {
  if (!emojis?.length) return text;
  const drop = new Set(emojis.map((e) => e.index));
  let out = '';
  for (let i = 0; i < text.length; i++) if (!(drop.has(i) && text[i] === '$')) out += text[i];
  // An emoji between two spaces leaves a double space; one at either end of a line, a stray one.
  return out.replace(/ {2,}/g, ' ').replace(/^ +| +$/gm, '');
}

/** Every `uri` action in a template or Flex tree, in document order, once per URL. */
function uriActions(node: unknown, out: Array<{ label: string; url: string }> = []): typeof out {
  if (Array.isArray(node)) {
    for (const n of node) uriActions(n, out);
  } else if (isRecord(node)) {
    if (node.type === 'uri' && typeof node.uri === 'string' && /^https?:\/\//.test(node.uri)) {
      if (!out.some((l) => l.url === node.uri))
        out.push({
          label: typeof node.label === 'string' && node.label.trim() ? node.label : '',
          url: node.uri,
        });
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'quickReply') uriActions(v, out);
  }
  return out;
}

const links = (found: Array<{ label: string; url: string }>): MailBlock[] =>
  found.map((l) => ({ kind: 'link', label: l.label || 'リンク', url: l.url }));

/** The blocks of one message. */
export function messageBlocks(message: LineMessage): MailBlock[] {
  const m = message as unknown as Record<string, unknown>;
  switch (m.type) {
    case 'text': {
      const text = withoutEmoji(String(m.text ?? ''), m.emojis as Array<{ index: number }> | undefined);
      return text.trim() ? [{ kind: 'text', text }] : [];
    }
    case 'image':
      return [{ kind: 'image', url: String(m.originalContentUrl), alt: '画像' }];
    case 'video':
      return [{ kind: 'link', label: '動画', url: String(m.originalContentUrl) }];
    case 'audio':
      return [{ kind: 'link', label: '音声', url: String(m.originalContentUrl) }];
    case 'location': {
      const lat = Number(m.latitude);
      const lng = Number(m.longitude);
      return [
        { kind: 'text', text: [m.title, m.address].filter((x) => typeof x === 'string' && x).join('\n') },
        { kind: 'link', label: '地図', url: `https://maps.gsi.go.jp/#17/${lat}/${lng}/` },
      ];
    }
    case 'imagemap': {
      const out: MailBlock[] = [];
      if (typeof m.altText === 'string' && m.altText.trim()) out.push({ kind: 'text', text: m.altText });
      // An imagemap's image is `<baseUrl>/<width>`; 1040 is the largest LINE asks for.
      out.push({ kind: 'image', url: `${String(m.baseUrl)}/1040`, alt: String(m.altText ?? '画像') });
      const actions = Array.isArray(m.actions) ? (m.actions as Array<Record<string, unknown>>) : [];
      const found: Array<{ label: string; url: string }> = [];
      for (const a of actions)
        if (a.type === 'uri' && typeof a.linkUri === 'string' && !found.some((l) => l.url === a.linkUri))
          found.push({ label: typeof a.label === 'string' ? a.label : '', url: a.linkUri });
      const video = isRecord(m.video) ? m.video : null;
      if (video && typeof video.originalContentUrl === 'string')
        found.push({ label: '動画', url: video.originalContentUrl });
      if (video && isRecord(video.externalLink) && typeof video.externalLink.linkUri === 'string')
        found.push({
          label: String(video.externalLink.label ?? ''),
          url: video.externalLink.linkUri,
        });
      return [...out, ...links(found)];
    }
    case 'template':
      return [
        ...(typeof m.altText === 'string' && m.altText.trim()
          ? [{ kind: 'text' as const, text: m.altText }]
          : []),
        ...links(uriActions(m.template)),
      ];
    case 'flex':
      return [
        ...(typeof m.altText === 'string' && m.altText.trim()
          ? [{ kind: 'text' as const, text: m.altText }]
          : []),
        ...links(uriActions(m.contents)),
      ];
    default:
      // Stickers, and any type a newer editor may add that a mail cannot show.
      return [];
  }
}

export interface MailFooter {
  /** The municipality, as residents know it (豊中市). */
  city: string;
  /** Where the recipient stops these mails (and, for subscribers, changes their settings). */
  manageUrl: string;
  /** A subscriber by e-mail manages everything there; a LINE friend only stops the mails. */
  recipient: 'subscriber' | 'line';
}

export interface RenderedMail {
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const URL_IN_TEXT = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&'()*+,;=%]+/g;

/** Text as HTML: escaped, line breaks kept, URLs as links. */
function textHtml(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const url = m[0].replace(/[.,:;!?'*)]+$/, '');
    out += escapeHtml(text.slice(from, m.index)) + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    from = m.index + url.length;
  }
  return (out + escapeHtml(text.slice(from))).replace(/\r?\n/g, '<br>\n');
}

function footerLines(f: MailFooter): string[] {
  return [
    `このメールは、${f.city}がLINEでお届けしているお知らせを、メールでお送りしています。`,
    'このメールは送信専用です。ご返信いただいてもお答えできません。',
    f.recipient === 'subscriber'
      ? '登録内容の変更・配信の停止はこちらから:'
      : 'メールでの受け取りの停止はこちらから（LINEの受信設定からも変更できます）:',
  ];
}

/** The whole mail: the messages' blocks, then the footer with the manage link. */
export function renderMail(subject: string, messages: LineMessage[], footer: MailFooter): RenderedMail {
  const blocks = messages.map(messageBlocks).filter((b) => b.length);
  const textParts = blocks.map((bs) =>
    bs
      .map((b) =>
        b.kind === 'text' ? b.text : b.kind === 'image' ? `［${b.alt}］${b.url}` : `${b.label}: ${b.url}`,
      )
      .join('\n'),
  );
  const text = [
    ...textParts.flatMap((p, i) => (i === 0 ? [p] : ['', p])),
    '',
    '――――――――――――――――',
    ...footerLines(footer),
    footer.manageUrl,
    '',
    footer.city,
  ].join('\n');

  const htmlBlocks = blocks
    .map(
      (bs) =>
        `<div style="margin:0 0 24px">${bs
          .map((b) =>
            b.kind === 'text'
              ? `<p style="margin:0 0 12px">${textHtml(b.text)}</p>`
              : b.kind === 'image'
                ? `<p style="margin:0 0 12px"><img src="${escapeHtml(b.url)}" alt="${escapeHtml(b.alt)}" style="max-width:100%;height:auto;border:0"></p>`
                : `<p style="margin:0 0 12px"><a href="${escapeHtml(b.url)}">${escapeHtml(b.label)}</a><br><span style="font-size:13px;color:#555;word-break:break-all">${escapeHtml(b.url)}</span></p>`,
          )
          .join('')}</div>`,
    )
    .join('\n');
  const [about, noReply, manageLabel] = footerLines(footer);
  const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<div style="max-width:600px;margin:0 auto;padding:24px 16px;background:#ffffff;color:#1a1a1a;font-family:'Hiragino Sans','Noto Sans JP','Yu Gothic',Meiryo,sans-serif;font-size:16px;line-height:1.7">
${htmlBlocks}
<hr style="border:0;border-top:1px solid #d0d4da;margin:24px 0">
<p style="margin:0 0 8px;font-size:14px;color:#444">${escapeHtml(about!)}<br>${escapeHtml(noReply!)}</p>
<p style="margin:0 0 8px;font-size:14px"><a href="${escapeHtml(footer.manageUrl)}">${escapeHtml(manageLabel!.replace(/:$/, ''))}</a></p>
<p style="margin:0;font-size:14px;color:#444">${escapeHtml(footer.city)}</p>
</div>
</body></html>`;
  return { text, html };
}
