// Calls to the emulator's admin API used by the talk view (same origin).
async function call(method, path, body) {
  const res = await fetch('/_emulator' + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error((data && (data.title || data.message)) || `HTTP ${res.status}`);
  return data;
}

export const api = {
  channels: () => call('GET', '/channels').then((r) => r.channels),
  users: (ch) => call('GET', `/channels/${ch}/users`).then((r) => r.users),
  createUser: (ch, body) => call('POST', `/channels/${ch}/users`, body),
  select: (ch, userId) => call('POST', `/channels/${ch}/select`, { userId }),
  talk: (ch, userId, since) => call('GET', `/channels/${ch}/users/${userId}/talk?markRead=1&since=${since}`),
  act: (ch, userId, body) => call('POST', `/channels/${ch}/users/${userId}/actions`, body),
  webhooks: (ch) => call('GET', `/channels/${ch}/webhooks?limit=5`).then((r) => r.deliveries),
};
