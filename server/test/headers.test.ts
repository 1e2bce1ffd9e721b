import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { config, setConfig } from '../src/platform/config/config.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';

describe('framing of pages', () => {
  const original = config();
  afterAll(async () => {
    setConfig(original);
    await closeDataSources();
  });

  it('admin consoles are never framed; resident pages only by themselves unless an origin is allowed', async () => {
    const app = buildApp();
    const admin = await request(app).get('/healthz').set('Host', 'akaiwa.admin.localhost');
    expect(admin.headers['x-frame-options']).toBe('DENY');
    const resident = await request(app).get('/healthz').set('Host', 'localhost');
    expect(resident.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(resident.headers['content-security-policy']).toBeUndefined();
  });

  it('the demo lets the LINE emulator’s talk view frame resident pages, and nothing else', async () => {
    setConfig({
      ...original,
      RESIDENT_FRAME_ANCESTORS: 'http://localhost:3900 javascript:alert(1) http://127.0.0.1:3900',
    });
    const app = buildApp();
    const resident = await request(app).get('/healthz').set('Host', 'localhost');
    expect(resident.headers['x-frame-options']).toBeUndefined();
    expect(resident.headers['content-security-policy']).toBe(
      "frame-ancestors 'self' http://localhost:3900 http://127.0.0.1:3900",
    );
    const admin = await request(app).get('/healthz').set('Host', 'akaiwa.admin.localhost');
    expect(admin.headers['x-frame-options']).toBe('DENY');
  });
});
