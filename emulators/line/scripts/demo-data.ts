import { messagingApi } from '@line/bot-sdk';
import type { Browser } from 'playwright-core';
import type { RunningEmulator } from '../src/app.js';

/**
 * Demo content for the talk view (used by the screenshot script and the browser test): a city's
 * test channel with a three-tab rich menu (images drawn by chromium from HTML tiles), a LIFF app,
 * a resident, and messages of every kind the talk view renders.
 */
export const DEMO = {
  channelId: '2009000001',
  channelSecret: 'demo-secret',
  channelAccessToken: 'demo-token',
  name: '赤磐市（テスト）',
  loginChannelId: '2009000101',
  liffId: '2009000101-demoLiff',
};

const TABS = [
  {
    alias: 'tab-kurashi',
    title: 'くらし',
    tiles: ['ごみの日', '窓口予約', '各種申請', 'マイページ'],
    color: '#0a7d3b',
  },
  {
    alias: 'tab-bosai',
    title: '防災',
    tiles: ['避難所', '防災情報', '安否登録', '緊急連絡先'],
    color: '#b3261e',
  },
  { alias: 'tab-kosodate', title: '子育て', tiles: ['健診', '保育園', '相談', 'イベント'], color: '#1f4f8a' },
];

/** A 2500×843 menu: a tab strip on top, four tiles below. */
async function menuImage(browser: Browser, active: number): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: 2500, height: 843 } });
  const tab = TABS[active]!;
  const tabs = TABS.map(
    (t, i) =>
      `<div style="flex:1;display:grid;place-items:center;font-size:84px;font-weight:700;${
        i === active ? `background:${t.color};color:#fff` : 'background:#e6e8eb;color:#333'
      }">${t.title}</div>`,
  ).join('');
  const tiles = tab.tiles
    .map(
      (label) =>
        `<div style="flex:1;display:grid;place-items:center;border:6px solid #fff;background:${tab.color}1a;font-size:96px;font-weight:700;color:${tab.color}">${label}</div>`,
    )
    .join('');
  await page.setContent(
    `<body style="margin:0;font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif">
      <div style="display:flex;height:200px">${tabs}</div>
      <div style="display:flex;height:643px;background:#fff">${tiles}</div></body>`,
  );
  const png = await page.screenshot({ type: 'png' });
  await page.close();
  return png;
}

export async function seedDemo(emu: RunningEmulator, browser: Browser) {
  const liffUrl = `${emu.url}/liff/sample.html?liffId=${DEMO.liffId}`;
  emu.state.upsertChannel({
    channelId: DEMO.channelId,
    channelSecret: DEMO.channelSecret,
    channelAccessToken: DEMO.channelAccessToken,
    name: DEMO.name,
    loginChannelId: DEMO.loginChannelId,
    liffApps: [{ liffId: DEMO.liffId, url: liffUrl }],
  });
  const api = new messagingApi.MessagingApiClient({
    channelAccessToken: DEMO.channelAccessToken,
    baseURL: emu.url,
  });
  const blob = new messagingApi.MessagingApiBlobClient({
    channelAccessToken: DEMO.channelAccessToken,
    baseURL: emu.url,
  });

  const ids: string[] = [];
  for (const [i, tab] of TABS.entries()) {
    const tabAreas = TABS.map((t, j) => ({
      bounds: { x: Math.round((2500 / 3) * j), y: 0, width: Math.round(2500 / 3), height: 200 },
      action: { type: 'richmenuswitch', richMenuAliasId: t.alias, data: `tab=${t.alias}`, label: t.title },
    }));
    const tileAreas = tab.tiles.map((label, j) => ({
      bounds: { x: 625 * j, y: 200, width: 625, height: 643 },
      action:
        j === 3
          ? { type: 'uri', label, uri: `https://liff.line.me/${DEMO.liffId}` }
          : { type: 'postback', label, data: `menu=${tab.alias}&item=${j}`, displayText: label },
    }));
    const { richMenuId } = await api.createRichMenu({
      size: { width: 2500, height: 843 },
      selected: true,
      name: `${tab.title}タブ`,
      chatBarText: 'メニュー',
      areas: [...tabAreas, ...tileAreas] as messagingApi.RichMenuArea[],
    });
    await blob.setRichMenuImage(richMenuId, new Blob([await menuImage(browser, i)], { type: 'image/png' }));
    await api.createRichMenuAlias({ richMenuAliasId: tab.alias, richMenuId });
    ids.push(richMenuId);
  }
  await api.setDefaultRichMenu(ids[0]!);

  const channel = emu.state.channels.get(DEMO.channelId)!;
  const user = channel.addUser({ displayName: '山田 花子', status: 'friend' }, emu.state.now());
  await api.pushMessage({
    to: user.userId,
    messages: [
      {
        type: 'text',
        text: '$ 赤磐市公式LINEへようこそ！\n下のメニューから、ごみの日や窓口予約をご利用いただけます。',
        emojis: [{ index: 0, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }],
      },
      {
        type: 'template',
        altText: '窓口予約',
        template: {
          type: 'buttons',
          title: '窓口予約',
          text: '市民課の窓口を予約できます。',
          actions: [
            { type: 'datetimepicker', label: '日付を選ぶ', data: 'reserve', mode: 'date' },
            { type: 'uri', label: '予約ページを開く', uri: `https://liff.line.me/${DEMO.liffId}` },
          ],
        },
      },
      {
        type: 'template',
        altText: '受信設定',
        template: {
          type: 'confirm',
          text: '防災情報を受け取りますか？',
          actions: [
            { type: 'postback', label: 'はい', data: 'bosai=on', displayText: 'はい' },
            { type: 'postback', label: 'いいえ', data: 'bosai=off', displayText: 'いいえ' },
          ],
        },
      },
    ],
  });
  await api.pushMessage({
    to: user.userId,
    messages: [
      {
        type: 'flex',
        altText: '今週のごみ収集',
        contents: {
          type: 'bubble',
          header: {
            type: 'box',
            layout: 'vertical',
            backgroundColor: '#0a7d3b',
            contents: [
              { type: 'text', text: '今週のごみ収集', color: '#ffffff', weight: 'bold', size: 'lg' },
            ],
          },
          body: {
            type: 'box',
            layout: 'vertical',
            spacing: 'md',
            contents: [
              row('月', '燃やせるごみ'),
              { type: 'separator' },
              row('水', '資源ごみ（びん・缶）'),
              { type: 'separator' },
              row('金', '燃やせるごみ'),
            ],
          },
          footer: {
            type: 'box',
            layout: 'horizontal',
            spacing: 'sm',
            contents: [
              {
                type: 'button',
                style: 'primary',
                color: '#0a7d3b',
                action: { type: 'message', label: '分別を調べる', text: '分別' },
              },
              {
                type: 'button',
                style: 'secondary',
                action: { type: 'postback', label: '通知設定', data: 'gomi=notify' },
              },
            ],
          },
        },
      },
      {
        type: 'text',
        text: 'お問い合わせの種類を選んでください。',
        quickReply: {
          items: [
            { type: 'action', action: { type: 'message', label: 'ごみ', text: 'ごみ' } },
            { type: 'action', action: { type: 'message', label: '子育て', text: '子育て' } },
            { type: 'action', action: { type: 'location', label: '位置情報' } },
            { type: 'action', action: { type: 'camera', label: 'カメラ' } },
          ],
        },
      },
    ],
  });
  return { api, blob, userId: user.userId, menuIds: ids, liffUrl };
}

function row(day: string, what: string) {
  return {
    type: 'box' as const,
    layout: 'baseline' as const,
    spacing: 'md',
    contents: [
      { type: 'text' as const, text: day, weight: 'bold' as const, color: '#0a7d3b', flex: 1, size: 'lg' },
      { type: 'text' as const, text: what, flex: 5, wrap: true },
    ],
  };
}

/** A second resident whose talk holds the remaining message kinds (carousels, imagemap, media). */
export async function seedGallery(emu: RunningEmulator, api: messagingApi.MessagingApiClient) {
  const channel = emu.state.channels.get(DEMO.channelId)!;
  const user = channel.addUser({ displayName: 'テスト 太郎', status: 'friend' }, emu.state.now());
  const col = (title: string, text: string) => ({
    thumbnailImageUrl: `https://example.jp/img/${encodeURIComponent(title)}.jpg`,
    title,
    text,
    actions: [
      { type: 'postback' as const, label: '詳しく見る', data: `event=${title}` },
      { type: 'uri' as const, label: '申し込む', uri: 'https://example.jp/apply' },
    ],
  });
  await api.pushMessage({
    to: user.userId,
    messages: [
      {
        type: 'template',
        altText: 'イベント',
        template: {
          type: 'carousel',
          columns: [
            col('秋まつり', '10月12日 赤磐市役所前'),
            col('健康講座', '10月20日 公民館'),
            col('防災訓練', '11月3日 各地区'),
          ],
        },
      },
      {
        type: 'template',
        altText: '写真',
        template: {
          type: 'image_carousel',
          columns: [
            {
              imageUrl: 'https://example.jp/a.jpg',
              action: { type: 'uri', label: '観光', uri: 'https://example.jp/kanko' },
            },
            {
              imageUrl: 'https://example.jp/b.jpg',
              action: { type: 'message', label: '特産品', text: '特産品' },
            },
          ],
        },
      },
      {
        type: 'imagemap',
        baseUrl: 'https://example.jp/imagemap/map',
        altText: '地図',
        baseSize: { width: 1040, height: 520 },
        actions: [
          { type: 'message', text: '北地区', area: { x: 0, y: 0, width: 520, height: 520 } },
          { type: 'message', text: '南地区', area: { x: 520, y: 0, width: 520, height: 520 } },
        ],
      },
      { type: 'sticker', packageId: '446', stickerId: '1988' },
      {
        type: 'location',
        title: '赤磐市役所',
        address: '岡山県赤磐市下市344',
        latitude: 34.755,
        longitude: 134.018,
      },
    ],
  });
  return user.userId;
}
