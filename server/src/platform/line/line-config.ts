import { z } from 'zod';

/**
 * Where the outbound gateway sends LINE calls: LINE itself, or the LINE Platform emulator
 * (emulators/line) in development, demo and tests. Read from the environment like config.ts;
 * these variables belong in config.ts and will move there (kept here so this folder stands alone).
 *
 * The bot SDK resolves API paths against the origin (`new URL('/v2/bot/...', base)`), so a base
 * URL's own path is ignored: the emulator must serve LINE's paths at its root.
 */
const schema = z.object({
  LINE_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.line.me'),
  LINE_DATA_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api-data.line.me'),
  /** A LINE call that has not answered after this long is abandoned and retried (same retry key). */
  LINE_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export interface LineConfig {
  apiBaseUrl: string;
  dataApiBaseUrl: string;
  requestTimeoutMs: number;
}

export function loadLineConfig(env: NodeJS.ProcessEnv = process.env): LineConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  return {
    apiBaseUrl: c.LINE_API_BASE_URL,
    dataApiBaseUrl: c.LINE_DATA_API_BASE_URL,
    requestTimeoutMs: c.LINE_REQUEST_TIMEOUT_MS,
  };
}

let cached: LineConfig | undefined;
export function lineConfig(): LineConfig {
  cached ??= loadLineConfig();
  return cached;
}
/** Tests point the gateway elsewhere. */
export function setLineConfig(c: LineConfig | undefined): void {
  cached = c;
}
