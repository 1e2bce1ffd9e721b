import { describe, expect, it } from 'vitest';
import { loadLineConfig } from './line-config.js';

describe('line config', () => {
  it('points at LINE by default', () => {
    expect(loadLineConfig({})).toEqual({
      apiBaseUrl: 'https://api.line.me',
      dataApiBaseUrl: 'https://api-data.line.me',
      requestTimeoutMs: 10_000,
    });
  });

  it('points at the emulator when told', () => {
    expect(
      loadLineConfig({
        LINE_API_BASE_URL: 'http://127.0.0.1:4010',
        LINE_DATA_API_BASE_URL: 'http://127.0.0.1:4010',
        LINE_REQUEST_TIMEOUT_MS: '2500',
      }),
    ).toEqual({
      apiBaseUrl: 'http://127.0.0.1:4010',
      dataApiBaseUrl: 'http://127.0.0.1:4010',
      requestTimeoutMs: 2500,
    });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => loadLineConfig({ LINE_API_BASE_URL: 'ftp://example.com' })).toThrow(/LINE_API_BASE_URL/);
    expect(() => loadLineConfig({ LINE_DATA_API_BASE_URL: 'nope' })).toThrow(/LINE_DATA_API_BASE_URL/);
  });
});
