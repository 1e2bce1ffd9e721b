import { z } from 'zod';

/**
 * Configuration comes from the environment only, validated once at start. Defaults fit a
 * developer machine (PostgreSQL and Redis on their standard local ports); production sets
 * every secret explicitly and NODE_ENV=production refuses the development defaults.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().positive().default(3000),
  /** Root domain: staff consoles live on `<slug>.admin.<ROOT_DOMAIN>`, vendor on `admin.<ROOT_DOMAIN>`. */
  ROOT_DOMAIN: z.string().min(1).default('localhost'),
  /** Public origin of the API as residents and LINE see it (webhooks, LIFF pages). */
  PUBLIC_ORIGIN: z.string().url().default('http://localhost:3000'),
  DATABASE_URL: z.string().default('postgres://tsunagu_app@127.0.0.1:5432/tsunagu'),
  DATABASE_OWNER_URL: z.string().default('postgres://tsunagu_owner@127.0.0.1:5432/tsunagu'),
  DATABASE_OPS_URL: z.string().default('postgres://tsunagu_ops@127.0.0.1:5432/tsunagu'),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * Where BullMQ keeps its queues. `redis` in production; `postgres` only for the zero-setup
   * embedded mode of a fresh clone (no Redis), where rate limits are kept per process.
   */
  QUEUE_BACKEND: z.enum(['redis', 'postgres']).default('redis'),
  /** PostgreSQL connection for the BullMQ backend (creates its own schema `bullmq`). */
  QUEUE_DATABASE_URL: z.string().optional(),
  /** Base64 of 32 random bytes; wraps every tenant's data key. */
  MASTER_KEY: z.string().optional(),
  /**
   * LINE's API origins; the LINE emulator's (emulators/line) in development, demo and tests. The
   * bot SDK ignores a path in a base URL, so the emulator serves LINE's paths at its root.
   */
  LINE_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.line.me'),
  LINE_DATA_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api-data.line.me'),
  /** The LIFF SDK resident pages load (LINE's CDN; the emulator's stand-in in the demo). */
  LIFF_SDK_URL: z.url({ protocol: /^https?$/ }).default('https://static.line-scdn.net/liff/edge/2/sdk.js'),
  /**
   * Origins allowed to frame resident pages (CSP frame-ancestors), space-separated. Empty in
   * production (LINE opens LIFF pages in its own browser, never in a frame); the demo allows the
   * LINE emulator's talk view, whose in-app browser is an iframe.
   */
  RESIDENT_FRAME_ANCESTORS: z.string().default(''),
  /** A LINE call with no answer after this long is abandoned and retried with the same retry key. */
  LINE_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Secure cookies need HTTPS; browsers also accept them on http://*.localhost. */
  COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Trust X-Forwarded-For from this many proxy hops (the TLS proxy in production). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(60),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(12),
  /** Folder of the built admin-ui / resident-ui, served by the API process when present. */
  ADMIN_UI_DIR: z.string().optional(),
  /** Local folder of the file storage (residents' images, attachments); S3-compatible later. */
  STORAGE_DIR: z.string().default('.data/storage'),
  RESIDENT_UI_DIR: z.string().optional(),
  /**
   * Mail-to-LINE (DEL-11): the SMTP listener for mail sent to `<slug>-<token>@MAIL_INBOUND_DOMAIN`
   * (MX of that domain → this port, behind the TLS-terminating MTA in production); 0 = off.
   */
  MAIL_INBOUND_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MAIL_INBOUND_HOST: z.string().default('127.0.0.1'),
  MAIL_INBOUND_DOMAIN: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  MAIL_INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  /** Outbound mail (deliveries by e-mail DEL-10, notifications): smtp[s]://user:pass@host:port; unset = no mail. */
  // Empty means unset (Compose passes `${SMTP_URL:-}`).
  SMTP_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  MAIL_FROM: z.string().default('tsunagu <noreply@localhost>'),
});

export type Config = z.infer<typeof schema> & { masterKey: Buffer };

const DEV_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production' && !c.MASTER_KEY) {
    throw new Error('Invalid configuration:\n  MASTER_KEY: required in production');
  }
  const masterKey = Buffer.from(c.MASTER_KEY ?? DEV_MASTER_KEY, 'base64');
  if (masterKey.length !== 32) throw new Error('Invalid configuration:\n  MASTER_KEY: must be 32 bytes');
  return { ...c, masterKey };
}

let cached: Config | undefined;
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
/** Tests override pieces of the configuration. */
export function setConfig(c: Config): void {
  cached = c;
}
