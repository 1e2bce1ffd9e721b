// The talk view: pick a channel and a simulated user, see what the user received (polled, no
// WebSocket), and act as the user. Every act goes through the emulator's admin API, which sends
// the signed webhook to the channel's server.
import { api } from './api.js';
import { closeBrowser, openBrowser } from './browser.js';
import { h } from './dom.js';
import { pickDateTime, pickLocation } from './picker.js';
import { renderMessage } from './render-message.js';
import { renderRichMenu } from './richmenu.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const view = {
  channels: [],
  channel: null,
  userId: null,
  since: 0,
  seen: new Set(),
  lastEntry: null,
  menuId: undefined,
  menuOpen: true,
  mode: 'keyboard',
  location: { title: '市役所', address: '', latitude: 34.7551, longitude: 134.0187 },
};

const time = (ms) => new Date(ms + 9 * 3600_000).toISOString().slice(11, 16);

function toast(text) {
  const t = h('div', { class: 'toast', role: 'status' }, text);
  document.querySelector('.phone').append(t);
  setTimeout(() => t.remove(), 2500);
}

async function guarded(fn) {
  try {
    await fn();
  } catch (e) {
    toast(`エラー：${e.message}`);
  }
}

// ---- channel and user selection -------------------------------------------------------------

async function loadChannels() {
  view.channels = await api.channels();
  const sel = $('channel');
  sel.replaceChildren(
    ...view.channels.map((c) => h('option', { value: c.channelId }, `${c.name}（${c.channelId}）`)),
  );
  const wanted = params.get('channel');
  if (wanted && view.channels.some((c) => c.channelId === wanted)) sel.value = wanted;
  if (view.channels.length) await chooseChannel(sel.value);
  else $('talk-title').textContent = 'チャネルが登録されていません';
}

async function chooseChannel(id) {
  view.channel = view.channels.find((c) => c.channelId === id);
  $('talk-title').textContent = view.channel.name;
  await loadUsers(params.get('user'));
}

async function loadUsers(preferred) {
  const users = await api.users(view.channel.channelId);
  const sel = $('user');
  sel.replaceChildren(
    ...users.map((u) =>
      h(
        'option',
        { value: u.userId },
        `${u.displayName}（${u.status === 'friend' ? '友だち' : u.status === 'blocked' ? 'ブロック中' : '未追加'}）`,
      ),
    ),
  );
  const pick =
    users.find((u) => u.userId === preferred) ?? users.find((u) => u.userId === view.userId) ?? users[0];
  if (pick) {
    sel.value = pick.userId;
    await chooseUser(pick.userId);
  } else {
    view.userId = null;
    $('messages').replaceChildren(h('li', { class: 'system' }, 'ユーザーを作成してください'));
  }
}

async function chooseUser(userId) {
  view.userId = userId;
  view.since = 0;
  view.seen.clear();
  view.lastEntry = null;
  view.menuId = undefined;
  $('messages').replaceChildren();
  const u = await api.select(view.channel.channelId, userId);
  showStatus(u);
  const url = new URL(location.href);
  url.searchParams.set('channel', view.channel.channelId);
  url.searchParams.set('user', userId);
  history.replaceState(null, '', url);
  await poll();
}

function showStatus(u) {
  const s = { friend: '友だち', blocked: 'ブロック中', none: '友だち未追加' }[u.status];
  $('user-status').textContent = `状態：${s}\u3000ID：${u.userId}`;
}

// ---- talk ------------------------------------------------------------------------------------

async function poll() {
  if (!view.channel || !view.userId) return;
  const { channelId } = view.channel;
  const userId = view.userId;
  const talk = await api.talk(channelId, userId, view.since);
  if (channelId !== view.channel.channelId || userId !== view.userId) return; // switched meanwhile
  showStatus(talk.user);
  const list = $('messages');
  let added = false;
  for (const e of talk.messages) {
    if (view.seen.has(e.messageId)) continue;
    view.seen.add(e.messageId);
    view.since = Math.max(view.since, e.at);
    view.lastEntry = e;
    list.append(entry(e));
    added = true;
  }
  renderQuickReplies();
  if ((talk.richMenu && talk.richMenu.richMenuId) !== view.menuId) {
    view.menuId = talk.richMenu && talk.richMenu.richMenuId;
    if (view.menuId && view.mode === 'keyboard' && !view.typed) view.mode = 'menu';
    if (talk.richMenu) view.menuOpen = view.menuOpen || talk.richMenu.selected;
    renderRichMenu($('richmenu'), talk.richMenu, tapArea);
    $('chatbar').textContent = talk.richMenu
      ? `${talk.richMenu.chatBarText} ${view.menuOpen ? '▼' : '▲'}`
      : '';
    applyMode();
  }
  // After the quick replies and the menu took their height, so the newest message stays in view.
  if (added) list.scrollTop = list.scrollHeight;
}

function entry(e) {
  const m = e.message;
  const ctx = { onAction: (a) => guarded(() => doAction(a, e.messageId)) };
  if (e.from === 'user')
    return h(
      'li',
      { class: 'msg user' },
      h('span', { class: 'meta' }, '既読', h('br'), time(e.at)),
      m.type === 'image'
        ? renderMessage(
            { type: 'image', src: `/_emulator/channels/${view.channel.channelId}/content/${m.id}` },
            ctx,
          )
        : renderMessage(m, ctx),
    );
  const name = (m.sender && m.sender.name) || view.channel.name;
  return h(
    'li',
    { class: 'msg bot' },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, name.slice(0, 1)),
    h(
      'div',
      { class: 'stack' },
      h('span', { class: 'name' }, name),
      h('div', { class: 'line' }, renderMessage(m, ctx), h('span', { class: 'meta' }, time(e.at))),
    ),
  );
}

/** LINE shows the quick reply of the last message only, and only while it is the last one. */
function renderQuickReplies() {
  const box = $('quick-replies');
  const last = view.lastEntry;
  const items = last && last.from === 'bot' && last.message.quickReply ? last.message.quickReply.items : [];
  box.hidden = !items.length;
  box.replaceChildren(
    ...items.map((it) =>
      h(
        'button',
        { type: 'button', class: 'chip', onclick: () => guarded(() => doAction(it.action, last.messageId)) },
        it.action.label || it.action.text || '',
      ),
    ),
  );
}

async function act(body) {
  const r = await api.act(view.channel.channelId, view.userId, body);
  if (r.open) openBrowser(r.open, view.channel.liffApps, toast);
  if (r.note && r.note !== 'read') toast(r.note);
  const d = r.deliveries && r.deliveries[0];
  // A channel without a webhook URL is normal in a demo: only a server that answers badly is news.
  if (d && d.status && (d.status < 200 || d.status >= 300))
    toast(`Webhook がエラーを返しました（${d.status}）`);
  else if (d && !d.status && !/no webhook URL|turned off/.test(d.error || ''))
    toast(`Webhook を送れませんでした：${d.error}`);
  await poll();
  await refreshHooks();
  return r;
}

async function doAction(action, messageId) {
  if (action.type === 'clipboard') {
    await navigator.clipboard?.writeText(action.clipboardText).catch(() => undefined);
    return toast('コピーしました');
  }
  const body = { type: 'action', action, messageId };
  if (action.type === 'datetimepicker') {
    const p = await pickDateTime(action);
    if (!p) return;
    body.params = p;
  }
  if (action.type === 'location') {
    const loc = await pickLocation(view.location);
    if (!loc) return;
    body.location = view.location = loc;
  }
  await act(body);
}

async function tapArea(i, action) {
  await guarded(async () => {
    const body = { type: 'richmenu', areaIndex: i };
    if (action.type === 'datetimepicker') {
      const p = await pickDateTime(action);
      if (!p) return;
      body.params = p;
    }
    await act(body);
  });
}

function applyMode() {
  const hasMenu = !!view.menuId;
  const menuMode = hasMenu && view.mode === 'menu';
  $('menu-mode').hidden = !menuMode;
  $('composer').hidden = menuMode;
  $('to-menu').hidden = !hasMenu;
  $('richmenu').hidden = !view.menuOpen;
  $('chatbar').setAttribute('aria-expanded', String(view.menuOpen));
  const text = $('chatbar').textContent.replace(/ [▼▲]$/, '');
  $('chatbar').textContent = `${text} ${view.menuOpen ? '▼' : '▲'}`;
  if (menuMode) $('extras').hidden = true;
}

function hookResult(d) {
  if (d.status) return `${d.status}（${d.latencyMs} ms）`;
  if (/no webhook URL/.test(d.error || '')) return '未送信（URL 未設定）';
  if (/turned off/.test(d.error || '')) return '未送信（Webhook オフ）';
  return `失敗（${d.error}）`;
}

async function refreshHooks() {
  if (!view.channel) return;
  const list = await api.webhooks(view.channel.channelId);
  if (!list.length)
    return $('hooks').replaceChildren(
      h('li', {}, view.channel.webhookUrl ? 'まだ送信していません' : 'Webhook URL が未設定です'),
    );
  $('hooks').replaceChildren(
    ...list
      .slice()
      .reverse()
      .map((d) =>
        h(
          'li',
          {
            class:
              d.status >= 200 && d.status < 300
                ? 'ok'
                : !d.status && /no webhook URL|turned off/.test(d.error || '')
                  ? ''
                  : 'ng',
          },
          `${time(d.at)} ${d.eventTypes.join(', ') || '(空)'} → ${hookResult(d)}${d.isRedelivery ? '（再送）' : ''}`,
        ),
      ),
  );
}

// ---- controls ----------------------------------------------------------------------------------

function wire() {
  $('channel').addEventListener('change', (e) => guarded(() => chooseChannel(e.target.value)));
  $('user').addEventListener('change', (e) => guarded(() => chooseUser(e.target.value)));
  $('follow').addEventListener('click', () =>
    guarded(() => act({ type: 'follow' }).then(() => loadUsers(view.userId))),
  );
  $('block').addEventListener('click', () =>
    guarded(() => act({ type: 'block' }).then(() => loadUsers(view.userId))),
  );
  $('new-user').addEventListener('submit', (e) => {
    e.preventDefault();
    guarded(async () => {
      const name = $('new-name').value.trim();
      const u = await api.createUser(view.channel.channelId, { displayName: name });
      $('new-name').value = '';
      await loadUsers(u.userId);
      await refreshHooks();
    });
  });
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value.trim();
    if (!text) return;
    $('text').value = '';
    view.typed = true;
    guarded(() => act({ type: 'text', text }));
  });
  $('plus').addEventListener('click', () => {
    const extras = $('extras');
    extras.hidden = !extras.hidden;
    $('plus').setAttribute('aria-expanded', String(!extras.hidden));
  });
  $('extras').addEventListener('click', (e) => {
    const kind = e.target.closest('button')?.dataset.extra;
    if (!kind) return;
    guarded(async () => {
      if (kind === 'location') {
        const loc = await pickLocation(view.location);
        if (loc) await act({ type: 'location', ...(view.location = loc) });
      } else if (kind === 'image') $('image-file').click();
      else if (kind === 'sticker') await act({ type: 'sticker', packageId: '446', stickerId: '1988' });
      else if (kind === 'emoji')
        await act({
          type: 'text',
          text: '(happy) ありがとうございます',
          emojis: [{ index: 0, length: 7, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }],
        });
    });
  });
  $('image-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () =>
      guarded(() =>
        act({ type: 'image', data: String(reader.result).split(',')[1], contentType: file.type }),
      );
    reader.readAsDataURL(file);
    e.target.value = '';
  });
  $('chatbar').addEventListener('click', () => {
    view.menuOpen = !view.menuOpen;
    applyMode();
  });
  $('to-keyboard').addEventListener('click', () => {
    view.mode = 'keyboard';
    view.typed = true;
    applyMode();
    $('text').focus();
  });
  $('to-menu').addEventListener('click', () => {
    view.mode = 'menu';
    view.menuOpen = true;
    applyMode();
  });
  $('browser-close').addEventListener('click', closeBrowser);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('browser').hidden) closeBrowser();
  });
}

wire();
guarded(async () => {
  await loadChannels();
  await refreshHooks();
});
setInterval(() => {
  if (!document.hidden) poll().catch(() => undefined);
}, 1500);
setInterval(() => {
  if (!document.hidden) refreshHooks().catch(() => undefined);
}, 5000);
