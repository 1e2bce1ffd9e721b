import { defineConfig } from 'vitest/config';

const db = process.env.TEST_DATABASE_NAME ?? 'tsunagu_test';

/** Tests run against real PostgreSQL and Redis; test/global-setup.ts recreates the database. */
export const testEnv = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATABASE_ADMIN_URL: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  DATABASE_URL: `postgres://tsunagu_app@127.0.0.1:5432/${db}`,
  DATABASE_OWNER_URL: `postgres://tsunagu_owner@127.0.0.1:5432/${db}`,
  DATABASE_OPS_URL: `postgres://tsunagu_ops@127.0.0.1:5432/${db}`,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1',
  COOKIE_SECURE: 'false',
  ROOT_DOMAIN: 'localhost',
  LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
  TRUST_PROXY_HOPS: '1',
};

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    env: testEnv,
    // Integration suites share one PostgreSQL database and Redis; run files one after another.
    fileParallelism: false,
    testTimeout: 60000,
    hookTimeout: 120000,
    globalSetup: ['test/global-setup.ts'],
  },
});
