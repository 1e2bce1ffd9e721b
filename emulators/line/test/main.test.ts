import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

/** `npm run start` as the demo runs it: channels (with users) from EMULATOR_CHANNELS_FILE. */
it('starts from the command line with channels from a file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'line-emu-'));
  const file = path.join(dir, 'channels.json');
  writeFileSync(
    file,
    JSON.stringify({
      channels: [
        {
          channelId: '2001111111',
          channelSecret: 's',
          channelAccessToken: 't',
          name: '戸沢村（テスト）',
          users: [{ userId: 'U' + 'b'.repeat(32), displayName: '住民A' }],
        },
      ],
    }),
  );
  const tsx = path.resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');
  const child = spawn(tsx, ['src/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: '0', EMULATOR_CHANNELS_FILE: file },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /LINE emulator on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const res = await fetch(`${url}/v2/bot/followers/ids`, { headers: { authorization: 'Bearer t' } });
    expect(await res.json()).toEqual({ userIds: ['U' + 'b'.repeat(32)] });
    const talk = await fetch(url + '/');
    expect(await talk.text()).toContain('LINE エミュレーター');
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);
