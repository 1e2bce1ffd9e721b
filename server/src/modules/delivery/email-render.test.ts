import { describe, expect, it } from 'vitest';
import { validateMessages, type LineMessage } from '../../platform/line/messages.js';
import { messageBlocks, renderMail, withoutEmoji } from './email-render.js';

const EMOJI = { productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' };
const footer = {
  city: '豊中市',
  manageUrl: 'https://city.example/t/toyonaka/mail/manage/#token=abc',
  recipient: 'subscriber' as const,
};

/** Messages as staff compose them (checked against LINE's schema, so the cases are real ones). */
function valid(messages: unknown[]): LineMessage[] {
  const v = validateMessages(messages);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.messages;
}

describe('LINE messages as an e-mail (DEL-10)', () => {
  it('drops LINE emoji placeholders, and only those', () => {
    const text = '$ごみ収集のお知らせ $ 料金は$5です $';
    const emojis = [0, text.indexOf('$', 1), text.lastIndexOf('$')].map((index) => ({ index }));
    expect(withoutEmoji(text, emojis)).toBe('ごみ収集のお知らせ 料金は$5です');
    expect(withoutEmoji('そのまま $', undefined)).toBe('そのまま $');
  });

  it('text, image, imagemap, template and Flex become words and links; stickers are left out', () => {
    const text = '$明日は資源ごみの日です。\n詳しくは https://city.example/gomi をご覧ください。';
    const messages = valid([
      { type: 'text', text, emojis: [{ index: 0, ...EMOJI }] },
      {
        type: 'image',
        originalContentUrl: 'https://city.example/media/a.jpg',
        previewImageUrl: 'https://city.example/media/a-s.jpg',
      },
      {
        type: 'imagemap',
        baseUrl: 'https://city.example/media/map',
        altText: '子育て支援のご案内',
        baseSize: { width: 1040, height: 1040 },
        actions: [
          {
            type: 'uri',
            label: '保育所',
            linkUri: 'https://city.example/hoiku',
            area: { x: 0, y: 0, width: 520, height: 1040 },
          },
          { type: 'message', text: '相談', area: { x: 520, y: 0, width: 520, height: 1040 } },
        ],
      },
      {
        type: 'template',
        altText: '健診の予約受付を開始しました',
        template: {
          type: 'buttons',
          text: '予約はこちら',
          actions: [
            { type: 'uri', label: '予約する', uri: 'https://city.example/yoyaku' },
            { type: 'postback', label: '問い合わせ', data: 'a=1' },
          ],
        },
      },
      {
        type: 'flex',
        altText: '防災訓練のお知らせ',
        contents: {
          type: 'bubble',
          body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: '10月1日 防災訓練' }] },
          footer: {
            type: 'box',
            layout: 'vertical',
            contents: [
              { type: 'button', action: { type: 'uri', label: '詳細', uri: 'https://city.example/bousai' } },
            ],
          },
        },
      },
    ]);
    const [sticker] = valid([{ type: 'sticker', packageId: '446', stickerId: '1988' }]);
    expect(messageBlocks(sticker!)).toEqual([]);
    const mail = renderMail('ごみと子育てのお知らせ', messages, footer);
    expect(mail.text).toBe(
      [
        '明日は資源ごみの日です。',
        '詳しくは https://city.example/gomi をご覧ください。',
        '',
        '［画像］https://city.example/media/a.jpg',
        '',
        '子育て支援のご案内',
        '［子育て支援のご案内］https://city.example/media/map/1040',
        '保育所: https://city.example/hoiku',
        '',
        '健診の予約受付を開始しました',
        '予約する: https://city.example/yoyaku',
        '',
        '防災訓練のお知らせ',
        '詳細: https://city.example/bousai',
        '',
        '――――――――――――――――',
        'このメールは、豊中市がLINEでお届けしているお知らせを、メールでお送りしています。',
        'このメールは送信専用です。ご返信いただいてもお答えできません。',
        '登録内容の変更・配信の停止はこちらから:',
        footer.manageUrl,
        '',
        '豊中市',
      ].join('\n'),
    );
    expect(mail.text).not.toContain('$');
    expect(mail.html).toContain('<html lang="ja">');
    expect(mail.html).toContain('<a href="https://city.example/gomi">https://city.example/gomi</a>');
    expect(mail.html).toContain('<img src="https://city.example/media/a.jpg" alt="画像"');
    expect(mail.html).toContain('<a href="https://city.example/t/toyonaka/mail/manage/#token=abc">');
  });

  it('escapes what staff typed in the HTML part; a LINE friend’s footer only stops the mails', () => {
    const mail = renderMail(
      '<お知らせ>',
      valid([{ type: 'text', text: '<script>alert(1)</script> & "引用"' }]),
      {
        ...footer,
        recipient: 'line',
      },
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;引用&quot;');
    expect(mail.html).toContain('<title>&lt;お知らせ&gt;</title>');
    expect(mail.text).toContain('メールでの受け取りの停止はこちらから（LINEの受信設定からも変更できます）:');
  });

  it('a location gets its name, address and a 地理院地図 link', () => {
    const [msg] = valid([
      {
        type: 'location',
        title: '豊中市役所',
        address: '大阪府豊中市中桜塚3丁目1-1',
        latitude: 34.7816,
        longitude: 135.4697,
      },
    ]);
    expect(messageBlocks(msg!)).toEqual([
      { kind: 'text', text: '豊中市役所\n大阪府豊中市中桜塚3丁目1-1' },
      { kind: 'link', label: '地図', url: 'https://maps.gsi.go.jp/#17/34.7816/135.4697/' },
    ]);
  });
});
