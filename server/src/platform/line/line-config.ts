import { config, loadConfig } from '../config/config.js';

/** Where the outbound gateway sends LINE calls: LINE itself, or the LINE Platform emulator. */
export interface LineConfig {
  apiBaseUrl: string;
  dataApiBaseUrl: string;
  requestTimeoutMs: number;
}

/** The LINE part of the validated configuration (config.ts owns the variables). */
export function loadLineConfig(env: NodeJS.ProcessEnv = process.env): LineConfig {
  return fromConfig(loadConfig(env));
}

function fromConfig(c: ReturnType<typeof config>): LineConfig {
  return {
    apiBaseUrl: c.LINE_API_BASE_URL,
    dataApiBaseUrl: c.LINE_DATA_API_BASE_URL,
    requestTimeoutMs: c.LINE_REQUEST_TIMEOUT_MS,
  };
}

let override: LineConfig | undefined;
export function lineConfig(): LineConfig {
  return override ?? fromConfig(config());
}
/** Tests point the gateway elsewhere. */
export function setLineConfig(c: LineConfig | undefined): void {
  override = c;
}
