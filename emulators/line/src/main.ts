import { readFileSync } from 'node:fs';
import { startEmulator, type ChannelSeed } from './app.js';

/**
 * `npm run start -w @tsunagu/line-emulator`. Environment:
 *   PORT (default 3900), HOST (default 127.0.0.1; 0.0.0.0 in containers)
 *   EMULATOR_CHANNELS_FILE   JSON: an array of channels or {channels: [...]} (each may list `users`)
 *   EMULATOR_WEBHOOK_TIMEOUT_MS (default 2000, LINE's)
 *   EMULATOR_LOGIN_KEY_FILE  PEM of the ES256 key signing ID tokens (default: a new key per start)
 */
function channelsFromFile(): ChannelSeed[] {
  const file = process.env.EMULATOR_CHANNELS_FILE;
  if (!file) return [];
  const json = JSON.parse(readFileSync(file, 'utf8')) as ChannelSeed[] | { channels: ChannelSeed[] };
  return Array.isArray(json) ? json : json.channels;
}

const port = Number(process.env.PORT ?? 3900);
const emu = await startEmulator({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  channels: channelsFromFile(),
  loginKeyFile: process.env.EMULATOR_LOGIN_KEY_FILE || undefined,
  webhookTimeoutMs: process.env.EMULATOR_WEBHOOK_TIMEOUT_MS
    ? Number(process.env.EMULATOR_WEBHOOK_TIMEOUT_MS)
    : undefined,
});
console.warn(`LINE emulator on ${emu.url} (${emu.state.channels.size} channels); talk view: ${emu.url}/`);

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    void emu.close().then(() => process.exit(0));
  });
