/*
 * LIFF SDK stand-in served by the LINE emulator at /liff/sdk.js.
 * A page loads it instead of https://static.line-scdn.net/liff/edge/2/sdk.js and gets `window.liff`
 * with the calls resident-ui uses. Login goes through the emulator's LINE Login
 * (/oauth2/v2.1/authorize → code → /oauth2/v2.1/token), so getIDToken() returns a real ES256 ID
 * token that the server verifies at the emulator's /oauth2/v2.1/verify, exactly as with LINE.
 * Inside the talk view's in-app browser (an iframe) liff.init() logs in on its own, as the LINE
 * app does; in an ordinary browser only with withLoginOnExternalBrowser or liff.login().
 */
(function () {
  'use strict';
  const script = document.currentScript;
  const ORIGIN = (
    window.LIFF_EMULATOR_ORIGIN ||
    (script && new URL(script.src).origin) ||
    location.origin
  ).replace(/\/$/, '');
  const KEY = 'liff-emulator:';
  const store = {
    get: (k) => JSON.parse(sessionStorage.getItem(KEY + k) || 'null'),
    set: (k, v) => sessionStorage.setItem(KEY + k, JSON.stringify(v)),
    del: (k) => sessionStorage.removeItem(KEY + k),
  };

  let liffId = null;
  let clientId = null;
  let tokens = null; // {access_token, id_token, expires_at}
  let resolveReady;
  const ready = new Promise((r) => (resolveReady = r));

  const inClient = () => {
    try {
      return window.self !== window.top || store.get('inClient') === true;
    } catch {
      return true;
    }
  };

  const decode = (jwt) => {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  };

  const random = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

  function cleanUrl() {
    const u = new URL(location.href);
    for (const k of ['code', 'state', 'liffClientId', 'liffRedirectUri', 'error', 'error_description'])
      u.searchParams.delete(k);
    return u.toString();
  }

  function login(opts) {
    const redirectUri = (opts && opts.redirectUri) || cleanUrl();
    const state = random();
    store.set('pending', { state, redirectUri, liffId });
    const u = new URL(ORIGIN + '/oauth2/v2.1/authorize');
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', clientId);
    u.searchParams.set('redirect_uri', redirectUri);
    u.searchParams.set('state', state);
    u.searchParams.set('scope', 'openid profile chat_message.write');
    u.searchParams.set('nonce', random());
    location.href = u.toString();
  }

  async function finishLogin(code) {
    const pending = store.get('pending');
    store.del('pending');
    const res = await fetch(ORIGIN + '/oauth2/v2.1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        client_id: clientId,
      }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error('LIFF login failed: ' + (body.error_description || res.status));
    tokens = {
      access_token: body.access_token,
      id_token: body.id_token,
      expires_at: Date.now() + body.expires_in * 1000,
    };
    store.set('tokens:' + liffId, tokens);
    history.replaceState(history.state, '', cleanUrl());
  }

  async function init(config) {
    if (!config || !config.liffId) throw new Error('liffId is necessary for liff.init()');
    liffId = config.liffId;
    clientId = liffId.split('-')[0];
    if (inClient()) store.set('inClient', true);
    const params = new URL(location.href).searchParams;
    const pending = store.get('pending');
    if (params.get('code') && pending && pending.state === params.get('state'))
      await finishLogin(params.get('code'));
    else {
      tokens = store.get('tokens:' + liffId);
      if (tokens && tokens.expires_at < Date.now()) tokens = null;
    }
    if (!tokens && (inClient() || config.withLoginOnExternalBrowser)) {
      login();
      return new Promise(() => {}); // the page is leaving for the login
    }
    resolveReady();
  }

  async function api(path, init) {
    if (!tokens) throw new Error('liff is not logged in');
    const res = await fetch(ORIGIN + path, {
      ...init,
      headers: { ...(init && init.headers), authorization: 'Bearer ' + tokens.access_token },
    });
    if (!res.ok) throw new Error(path + ' answered ' + res.status);
    return res.json();
  }

  window.liff = {
    get id() {
      return liffId;
    },
    ready,
    init,
    isLoggedIn: () => !!tokens,
    login,
    logout: () => {
      tokens = null;
      store.del('tokens:' + liffId);
    },
    getIDToken: () => (tokens ? tokens.id_token : null),
    getDecodedIDToken: () => (tokens && tokens.id_token ? decode(tokens.id_token) : null),
    getAccessToken: () => (tokens ? tokens.access_token : null),
    getProfile: () => api('/v2/profile'),
    getFriendship: () => Promise.resolve({ friendFlag: true }),
    getContext: () => ({
      type: 'utou',
      liffId,
      viewType: 'full',
      userId: tokens && tokens.id_token ? decode(tokens.id_token).sub : undefined,
      endpointUrl: location.origin,
      accessTokenHash: '',
      availability: {},
      scope: ['openid', 'profile', 'chat_message.write'],
    }),
    isInClient: inClient,
    getOS: () => (inClient() ? 'ios' : 'web'),
    getLanguage: () => navigator.language,
    getAppLanguage: () => navigator.language,
    getVersion: () => '2.24.0-emulator',
    getLineVersion: () => (inClient() ? '14.0.0' : null),
    isApiAvailable: () => false,
    sendMessages: (messages) =>
      api('/_emulator/liff/send', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages }),
      }).then(() => undefined),
    openWindow: ({ url, external }) => {
      if (external) window.open(url, '_blank', 'noopener');
      else location.href = url;
    },
    closeWindow: () => {
      if (window.self !== window.top) window.parent.postMessage({ type: 'liff-emulator:close' }, '*');
      else window.close();
    },
    scanCodeV2: () => Promise.reject(new Error('scanCodeV2 is not available in the emulator')),
    shareTargetPicker: () => Promise.reject(new Error('shareTargetPicker is not available in the emulator')),
    permanentLink: {
      createUrlBy: (url) =>
        Promise.resolve('https://liff.line.me/' + liffId + new URL(url, location.href).pathname),
    },
    use: () => window.liff,
  };
})();
