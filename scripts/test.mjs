// `npm test`: every test of the project against real PostgreSQL and Redis:
//   1. server unit + integration suites (vitest; recreates the tsunagu_test database),
//   2. the other workspaces' tests (UI units, LINE emulator),
//   3. browser tests: both UIs built, a fresh tsunagu_e2e database with the five tenants and
//      demo data, the API started on port 3100, playwright-core driving Debian's chromium.
// Prints one closing line "N passed, N failed" over all suites.
// `E2E_ONLY="<file filter> …"` runs just the matching browser tests (skips steps 1–2), e.g.
// `E2E_ONLY=richmenu npm test` while working on one screen. Several runs can share the machine
// when each names its own E2E_PORT (API; the LINE emulator takes +801, the mail emulator +802
// and +803 for SMTP, the mail-to-LINE listener +804), E2E_DATABASE and E2E_REDIS_URL; reports go to .data/test-reports-<port>.
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { bin, localEnv, portOpen, root, run, startService, waitForHttp } from './lib/dev-env.mjs';

const e2ePort = Number(process.env.E2E_PORT ?? 3100);
const reports = path.join(root, e2ePort === 3100 ? '.data/test-reports' : `.data/test-reports-${e2ePort}`);
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

for (const [port, name] of [
  [5432, 'PostgreSQL'],
  [6379, 'Redis'],
]) {
  if (!(await portOpen(port))) {
    console.error(`${name} does not answer on 127.0.0.1:${port}; the tests need it (see README).`);
    process.exit(1);
  }
}

const failures = [];
async function step(name, fn) {
  console.log(`\n▶ ${name}`);
  try {
    await fn();
  } catch (e) {
    console.error(`✗ ${name}: ${e.message}`);
    failures.push(name);
  }
}
const vitestArgs = (report) => [
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${path.join(reports, report)}`,
];

const e2eOnly = process.env.E2E_ONLY;
if (!e2eOnly)
  await step('server: unit and integration tests', () =>
    run(bin('vitest'), ['run', ...vitestArgs('server.json')], { cwd: path.join(root, 'server') }),
  );
const workspaces = ['admin-ui', 'resident-ui', 'emulators/line', 'emulators/mail'];
const reportName = (ws) => `${ws.replace('/', '-')}.json`;
for (const ws of e2eOnly ? [] : workspaces) {
  if (!existsSync(path.join(root, ws, 'vitest.config.ts'))) continue;
  await step(`${ws}: tests`, () =>
    run(bin('vitest'), ['run', ...vitestArgs(reportName(ws))], { cwd: path.join(root, ws) }),
  );
}

const e2eConfig = path.join(root, 'admin-ui/vitest.e2e.config.ts');
if (existsSync(e2eConfig) && process.env.SKIP_E2E !== '1') {
  const port = e2ePort;
  const e2eDb = process.env.E2E_DATABASE ?? 'tsunagu_e2e';
  const mailWebPort = port + 802;
  const mailSmtpPort = port + 803;
  const env = localEnv(e2eDb, {
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_ORIGIN: `http://localhost:${port}`,
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/2',
    SMTP_URL: `smtp://127.0.0.1:${mailSmtpPort}`,
    MAIL_INBOUND_PORT: String(port + 804),
  });
  let api;
  let line;
  let worker;
  let mail;
  await step('browser tests (admin-ui and resident-ui in chromium, LINE emulator)', async () => {
    const admin = new pg.Client({ connectionString: env.DATABASE_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${e2eDb} WITH (FORCE)`);
    await admin.end();
    const tsx = bin('tsx');
    await run(tsx, ['scripts/db-setup.ts'], { env });
    await run(tsx, ['scripts/tenants-apply.ts'], { env });
    await run(tsx, ['scripts/seed-demo.ts'], { env });
    for (const ui of ['admin-ui', 'resident-ui']) {
      // E2E_SKIP_BUILD=1 reuses a build already there (while iterating on a test, not on the UI).
      if (process.env.E2E_SKIP_BUILD && existsSync(path.join(root, ui, 'build/index.html'))) continue;
      await run('npm', ['run', 'build', '-w', `@tsunagu/${ui}`], { env });
    }
    const emulatorPort = port + 801;
    const channelsFile = path.join(root, `.data/e2e-emulator-channels-${port}.json`);
    // The browser tests make their own friends: no demo friends in their counts.
    await run(tsx, ['scripts/demo-line.ts', `http://localhost:${port}`, channelsFile], {
      env: { ...env, DEMO_FRIENDS: '0' },
    });
    Object.assign(env, {
      LINE_API_BASE_URL: `http://127.0.0.1:${emulatorPort}`,
      LINE_DATA_API_BASE_URL: `http://127.0.0.1:${emulatorPort}`,
      LIFF_SDK_URL: `http://localhost:${emulatorPort}/liff/sdk.js`,
      RESIDENT_FRAME_ANCESTORS: `http://localhost:${emulatorPort} http://127.0.0.1:${emulatorPort}`,
    });
    line = startService('line', tsx, ['emulators/line/src/main.ts'], {
      env: { ...env, PORT: String(emulatorPort), EMULATOR_CHANNELS_FILE: channelsFile },
    });
    mail = startService('mail', tsx, ['emulators/mail/src/main.ts'], {
      env: {
        ...env,
        PORT: String(mailWebPort),
        MAIL_EMULATOR_SMTP_PORT: String(mailSmtpPort),
        MAIL_EMULATOR_RELAY: `127.0.0.1:${env.MAIL_INBOUND_PORT}`,
      },
    });
    api = startService('api', tsx, ['server/src/main.ts'], { env });
    // Deliveries, LINE follow-ups and schedules run in the worker, as in production.
    worker = startService('worker', tsx, ['server/src/worker.ts'], { env });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    await waitForHttp(`http://127.0.0.1:${emulatorPort}/_emulator/channels`);
    const e2eEnv = {
      ...env,
      E2E_BASE: `http://localhost:${port}`,
      E2E_LINE: `http://127.0.0.1:${emulatorPort}`,
      E2E_MAIL: `http://127.0.0.1:${mailWebPort}`,
      E2E_ADMIN_LOGIN: 'admin',
      E2E_ADMIN_PASSWORD: 'Akaiwa-demo-2026',
      E2E_VENDOR_LOGIN: 'support',
      E2E_VENDOR_PASSWORD: 'Tsunagu-vendor-2026',
    };
    const only = e2eOnly ? ['--passWithNoTests', ...e2eOnly.split(/\s+/)] : [];
    await run(bin('vitest'), ['run', '--config', e2eConfig, ...vitestArgs('e2e.json'), ...only], {
      cwd: path.join(root, 'admin-ui'),
      env: e2eEnv,
    });
    await run(
      bin('vitest'),
      ['run', '--config', 'vitest.e2e.config.ts', ...vitestArgs('e2e-resident.json'), ...only],
      {
        cwd: path.join(root, 'resident-ui'),
        env: e2eEnv,
      },
    );
  });
  for (const service of [api, worker, line, mail]) service?.kill('SIGTERM');
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of ['server.json', ...workspaces.map(reportName), 'e2e.json', 'e2e-resident.json']) {
  const file = path.join(reports, f);
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  // A file that fails before its tests run (a broken beforeAll) fails no test: count it too.
  const brokenFiles = r.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  failed += r.numFailedTests + brokenFiles;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(failures.length ? `\nFailed steps: ${failures.join(', ')}` : '\nAll test steps succeeded.');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failures.length || failed ? 1 : 0);
