// `npm test`: every test of the project against real PostgreSQL and Redis:
//   1. server unit + integration suites (vitest; recreates the tsunagu_test database),
//   2. the other workspaces' tests (UI units, LINE emulator),
//   3. browser tests: both UIs built, a fresh tsunagu_e2e database with the five tenants and
//      demo data, the API started on port 3100, playwright-core driving Debian's chromium.
// Prints one closing line "N passed, N failed" over all suites.
// `E2E_ONLY=<file filter>` runs just the matching browser tests (skips steps 1–2), e.g.
// `E2E_ONLY=richmenu npm test` while working on one screen.
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { bin, localEnv, portOpen, root, run, startService, waitForHttp } from './lib/dev-env.mjs';

const reports = path.join(root, '.data/test-reports');
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
  const port = 3100;
  const env = localEnv('tsunagu_e2e', {
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_ORIGIN: `http://localhost:${port}`,
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/2',
  });
  let api;
  let line;
  await step('browser tests (admin-ui and resident-ui in chromium, LINE emulator)', async () => {
    const admin = new pg.Client({ connectionString: env.DATABASE_ADMIN_URL });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS tsunagu_e2e WITH (FORCE)');
    await admin.end();
    const tsx = bin('tsx');
    await run(tsx, ['scripts/db-setup.ts'], { env });
    await run(tsx, ['scripts/tenants-apply.ts'], { env });
    await run(tsx, ['scripts/seed-demo.ts'], { env });
    for (const ui of ['admin-ui', 'resident-ui'])
      await run('npm', ['run', 'build', '-w', `@tsunagu/${ui}`], { env });
    const emulatorPort = 3901;
    const channelsFile = path.join(root, '.data/e2e-emulator-channels.json');
    await run(tsx, ['scripts/demo-line.ts', `http://localhost:${port}`, channelsFile], { env });
    Object.assign(env, {
      LINE_API_BASE_URL: `http://127.0.0.1:${emulatorPort}`,
      LINE_DATA_API_BASE_URL: `http://127.0.0.1:${emulatorPort}`,
      LIFF_SDK_URL: `http://localhost:${emulatorPort}/liff/sdk.js`,
      RESIDENT_FRAME_ANCESTORS: `http://localhost:${emulatorPort} http://127.0.0.1:${emulatorPort}`,
    });
    line = startService('line', tsx, ['emulators/line/src/main.ts'], {
      env: { ...env, PORT: String(emulatorPort), EMULATOR_CHANNELS_FILE: channelsFile },
    });
    api = startService('api', tsx, ['server/src/main.ts'], { env });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    await waitForHttp(`http://127.0.0.1:${emulatorPort}/_emulator/channels`);
    const e2eEnv = {
      ...env,
      E2E_BASE: `http://localhost:${port}`,
      E2E_LINE: `http://127.0.0.1:${emulatorPort}`,
      E2E_ADMIN_LOGIN: 'admin',
      E2E_ADMIN_PASSWORD: 'Akaiwa-demo-2026',
      E2E_VENDOR_LOGIN: 'support',
      E2E_VENDOR_PASSWORD: 'Tsunagu-vendor-2026',
    };
    await run(
      bin('vitest'),
      ['run', '--config', e2eConfig, ...vitestArgs('e2e.json'), ...(e2eOnly ? [e2eOnly] : [])],
      {
        cwd: path.join(root, 'admin-ui'),
        env: e2eEnv,
      },
    );
    if (!e2eOnly)
      await run(
        bin('vitest'),
        ['run', '--config', 'vitest.e2e.config.ts', ...vitestArgs('e2e-resident.json')],
        {
          cwd: path.join(root, 'resident-ui'),
          env: e2eEnv,
        },
      );
  });
  api?.kill('SIGTERM');
  line?.kill('SIGTERM');
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
