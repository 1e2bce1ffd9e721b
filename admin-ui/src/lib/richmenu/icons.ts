/** Simple line icons (24×24 viewBox, stroked) for composed menu tiles. Drawn for this product. */
export const TILE_ICONS = {
  none: { label: 'なし', path: '' },
  home: { label: 'ホーム', path: 'M3 11 12 3l9 8M5 9.5V21h5v-6h4v6h5V9.5' },
  calendar: {
    label: 'カレンダー',
    path: 'M4 6h16v15H4zM4 10h16M8 3v5M16 3v5M8 14h2M11 14h2M14 14h2M8 17h2M11 17h2',
  },
  trash: { label: 'ごみ', path: 'M4 6h16M9 6V3.5h6V6M6 6l1 15h10l1-15M10 10v7M14 10v7' },
  megaphone: {
    label: 'お知らせ',
    path: 'M3 10v4h3l8 5V5L6 10zM6 14l1.5 6h3L9 15M18 9a4 4 0 0 1 0 6M20.5 6.5a8 8 0 0 1 0 11',
  },
  pin: {
    label: '地図',
    path: 'M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 12.5a3 3 0 1 0 0-6 3 3 0 0 0 0 6',
  },
  phone: {
    label: '電話',
    path: 'M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2',
  },
  bus: {
    label: 'バス',
    path: 'M5 4h14v13H5zM5 11h14M8 17v3M16 17v3M8 14h.01M16 14h.01M5 7h14',
  },
  question: {
    label: 'よくある質問',
    path: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17h.01',
  },
  settings: {
    label: '受信設定',
    path: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6M12 2v3M12 19v3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1 7 17M17 7l2.1-2.1',
  },
  warning: { label: '防災', path: 'M12 3 2 20h20zM12 9v5M12 17h.01' },
} as const;

export type TileIcon = keyof typeof TILE_ICONS;
export const TILE_ICON_NAMES = Object.keys(TILE_ICONS) as TileIcon[];
