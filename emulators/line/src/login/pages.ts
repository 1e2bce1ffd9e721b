import type { EmulatorState } from '../state/emulator.js';

/** The two HTML pages LINE Login shows in the emulator: pick a user, or an error. Japanese UI. */

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,"Noto Sans JP",sans-serif;margin:0;background:#f5f6f7;color:#111}
header{background:#06c755;color:#fff;padding:14px 16px;font-weight:700}
main{padding:16px;max-width:480px;margin:auto}
a.user{display:flex;gap:12px;align-items:center;background:#fff;border-radius:10px;padding:12px;margin:8px 0;color:inherit;text-decoration:none;border:1px solid #e3e5e8}
a.user:focus,a.user:hover{outline:3px solid #06c755}
.avatar{width:40px;height:40px;border-radius:50%;background:#c9ced6;display:grid;place-items:center;font-weight:700}
small{color:#555}
</style></head><body><header>LINE ログイン（エミュレーター）</header><main>${body}</main></body></html>`;

export function chooserPage(state: EmulatorState, clientId: string, url: string): string {
  const rows = state
    .channelsByLogin(clientId)
    .flatMap((c) =>
      [...c.users.values()].map((u) => {
        const href = new URL(url, 'http://x');
        href.searchParams.set('user_id', u.userId);
        return `<a class="user" href="${esc(href.pathname + href.search)}"><span class="avatar" aria-hidden="true">${esc(
          u.displayName.slice(0, 1),
        )}</span><span>${esc(u.displayName)}<br><small>${esc(c.config.name)}</small></span></a>`;
      }),
    )
    .join('');
  return page(
    'ログインするユーザーを選択',
    `<h1 style="font-size:18px">ログインするユーザーを選んでください</h1>${
      rows || '<p>このチャネルにはまだユーザーがいません。トーク画面でユーザーを作成してください。</p>'
    }`,
  );
}

export function errorPage(message: string, detail: string): string {
  return page(
    'エラー',
    `<h1 style="font-size:18px">${esc(message)}</h1><p><small>${esc(detail)}</small></p>`,
  );
}
