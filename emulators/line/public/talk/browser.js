// The in-app browser: a pane over the talk that opens uri actions. LIFF URLs
// (https://liff.line.me/<liffId>/<path>, line://app/<liffId>) open the LIFF app's endpoint URL
// registered with the channel; the page's LIFF SDK (the emulator's /liff/sdk.js) then logs in as
// the selected user. liff.closeWindow() posts a message that closes the pane.
const pane = () => document.getElementById('browser');

export function resolveUrl(url, liffApps) {
  const m = /^(?:https:\/\/liff\.line\.me\/|line:\/\/app\/)(\d+-[A-Za-z0-9]+)(.*)$/.exec(url);
  if (!m) return { url };
  const app = (liffApps || []).find((a) => a.liffId === m[1]);
  if (!app) return { error: `LIFF アプリ ${m[1]} はこのチャネルに登録されていません` };
  // As LINE does: the extra path goes after the endpoint URL's path, the endpoint's own query is
  // kept and the extra query is merged into it.
  const rest = m[2] || '';
  const target = new URL(app.url);
  const extra = new URL(
    rest.startsWith('/') || rest.startsWith('?') ? rest : '/' + rest,
    'https://liff.invalid',
  );
  if (extra.pathname !== '/') target.pathname = target.pathname.replace(/\/$/, '') + extra.pathname;
  extra.searchParams.forEach((v, k) => target.searchParams.set(k, v));
  if (extra.hash) target.hash = extra.hash;
  return { url: target.toString() };
}

export function openBrowser(url, liffApps, notify) {
  if (/^tel:/.test(url)) return notify(`電話をかけます：${url.slice(4)}`);
  const r = resolveUrl(url, liffApps);
  if (r.error) return notify(r.error);
  if (!/^https?:\/\//.test(r.url)) return notify(`このリンクはエミュレーターでは開けません：${url}`);
  document.getElementById('browser-title').textContent = new URL(r.url).host;
  document.getElementById('browser-external').href = r.url;
  document.getElementById('browser-frame').src = r.url;
  pane().hidden = false;
  document.getElementById('browser-close').focus();
}

export function closeBrowser() {
  pane().hidden = true;
  document.getElementById('browser-frame').src = 'about:blank';
}

window.addEventListener('message', (e) => {
  if (e.data && e.data.type === 'liff-emulator:close') closeBrowser();
});
