// `npm start`: sets up and runs the whole product on this machine: database roles and
// migrations, the five tenants, demo data, both UIs built, then the API and the worker.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bin, localEnv, portOpen, root, run, startService, waitForHttp } from './lib/dev-env.mjs';

const port = Number(process.env.PORT ?? 3000);
const env = localEnv('tsunagu', {
  PORT: String(port),
  PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN ?? `http://localhost:${port}`,
});

if (!process.env.DATABASE_URL && !(await portOpen(5432))) {
  console.error(
    'PostgreSQL does not answer on 127.0.0.1:5432. Start it, or set DATABASE_URL and friends (docs/operations.md).',
  );
  process.exit(1);
}
if (!process.env.REDIS_URL && !(await portOpen(6379))) {
  console.error('Redis does not answer on 127.0.0.1:6379. Start it, or set REDIS_URL (docs/operations.md).');
  process.exit(1);
}

const tsx = bin('tsx');
console.log('▶ database: roles, database, migrations');
await run(tsx, ['scripts/db-setup.ts'], { env });
console.log('▶ tenants: applying tenants/*.yaml');
await run(tsx, ['scripts/tenants-apply.ts'], { env });
console.log('▶ demo data');
await run(tsx, ['scripts/seed-demo.ts'], { env });

for (const ui of ['admin-ui', 'resident-ui']) {
  if (process.env.SKIP_UI_BUILD && existsSync(path.join(root, ui, 'build/index.html'))) continue;
  console.log(`▶ building ${ui}`);
  await run('npm', ['run', 'build', '-w', `@tsunagu/${ui}`], { env });
}

const children = [
  startService('api', tsx, ['server/src/main.ts'], { env }),
  startService('worker', tsx, ['server/src/worker.ts'], { env }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children)
  c.on('exit', (code) => code && code !== 0 && (console.error(`a service exited with ${code}`), stop()));

await waitForHttp(`http://127.0.0.1:${port}/healthz`);
console.log(`
tsunagu is running.
  Staff console (e.g. Akaiwa):  http://akaiwa.admin.localhost:${port}/   login: admin / Tsunagu-demo-2026
      other cities:             toyoake, tozawa, kuwana, toyonaka (.admin.localhost:${port})
  Vendor console:               http://admin.localhost:${port}/          login: support / Tsunagu-vendor-2026
  Resident pages (LIFF):        http://localhost:${port}/t/akaiwa/
Press Ctrl+C to stop.`);
