import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { withOps } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { hashPassword } from '../src/platform/auth/passwords.js';
import { createTenant } from '../src/modules/tenants/tenants.service.js';
import { FEATURE_KEYS } from '../src/contracts/features.js';
import type { Tenant } from '../src/platform/tenancy/tenant.entity.js';
import type { StaffRole } from '../src/modules/staff/staff.entities.js';

let app: Express | undefined;
export function testApp(): Express {
  app ??= buildApp();
  return app;
}

/** A superuser connection for what the app may never do (tampering, catalogue changes). */
export async function superuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(process.env.DATABASE_ADMIN_URL!);
  url.pathname = new URL(process.env.DATABASE_URL!).pathname;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TestTenant {
  tenant: Tenant;
  orgs: Record<string, string>;
}

let counter = 0;
/** A fresh tenant with a unique slug and the given organisations (code → id). */
export async function createTestTenant(prefix = 't', orgCodes: string[] = ['ka', 'kb']): Promise<TestTenant> {
  const n = `${Date.now() % 1_000_000}${counter++}`;
  const slug = `${prefix}${n}`.slice(0, 30);
  const code = String(100000 + Math.floor(Math.random() * 899999));
  const tenant = await withOps((m) =>
    createTenant(m, {
      slug,
      nameJa: `テスト市${n}`,
      nameEn: `Test City ${n}`,
      prefectureJa: '岡山県',
      localGovCode: code,
      adminSubdomain: slug,
      lineAccountId: null,
      modules: [...FEATURE_KEYS],
    }),
  );
  const orgs: Record<string, string> = {};
  await withTenant(tenant.id, async (m) => {
    for (const [i, c] of orgCodes.entries()) {
      const rows: Array<{ id: string }> = await m.query(
        'insert into organisation (tenant_id, code, name, sort_order) values ($1, $2, $3, $4) returning id',
        [tenant.id, c, `${c.toUpperCase()}課`, i],
      );
      orgs[c] = rows[0]!.id;
    }
  });
  return { tenant, orgs };
}

export const TEST_PASSWORD = 'Correct-horse-42';
let cachedHash: Promise<string> | undefined;

export async function createStaff(
  tenantId: string,
  opts: {
    loginId?: string;
    role?: StaffRole;
    orgIds?: string[];
    teamIds?: string[];
    mustChangePassword?: boolean;
    featuresAllow?: string[];
  } = {},
): Promise<{ id: string; loginId: string }> {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const loginId = opts.loginId ?? `u${randomUUID().slice(0, 8)}`;
  const id = await withTenant(tenantId, async (m) => {
    const rows: Array<{ id: string }> = await m.query(
      `insert into staff_account (tenant_id, login_id, display_name, role, password_hash, must_change_password, features_allow)
       values ($1, $2, $3, $4, $5, $6, $7) returning id`,
      [
        tenantId,
        loginId,
        `職員 ${loginId}`,
        opts.role ?? 'staff',
        await cachedHash,
        opts.mustChangePassword ?? false,
        opts.featuresAllow ?? [],
      ],
    );
    const staffId = rows[0]!.id;
    for (const o of opts.orgIds ?? []) {
      await m.query(
        'insert into staff_membership (tenant_id, staff_id, organisation_id) values ($1, $2, $3)',
        [tenantId, staffId, o],
      );
    }
    for (const t of opts.teamIds ?? []) {
      await m.query('insert into staff_team (tenant_id, staff_id, team_id) values ($1, $2, $3)', [
        tenantId,
        staffId,
        t,
      ]);
    }
    return staffId;
  });
  return { id, loginId };
}

/**
 * A browser-like client of one admin host: keeps cookies and the CSRF token, sends Host, and
 * can pretend to come from a given IP (trust proxy is on in tests through X-Forwarded-For).
 */
export class AdminClient {
  readonly agent: ReturnType<typeof request.agent>;
  csrf = '';
  constructor(
    readonly host: string,
    readonly ip = '127.0.0.1',
  ) {
    this.agent = request.agent(testApp());
  }
  static forTenant(t: Tenant, ip?: string): AdminClient {
    return new AdminClient(`${t.adminSubdomain}.admin.localhost`, ip);
  }
  static vendor(): AdminClient {
    return new AdminClient('admin.localhost');
  }
  private prep(r: request.Test, csrf = true): request.Test {
    r.set('Host', this.host).set('X-Forwarded-For', this.ip);
    if (csrf && this.csrf) r.set('X-CSRF-Token', this.csrf);
    return r;
  }
  get(path: string) {
    return this.prep(this.agent.get(path));
  }
  post(path: string, body?: unknown) {
    return this.prep(this.agent.post(path)).send(body as object);
  }
  put(path: string, body?: unknown) {
    return this.prep(this.agent.put(path)).send(body as object);
  }
  patch(path: string, body?: unknown) {
    return this.prep(this.agent.patch(path)).send(body as object);
  }
  delete(path: string) {
    return this.prep(this.agent.delete(path));
  }
  postWithoutCsrf(path: string, body?: unknown) {
    return this.prep(this.agent.post(path), false).send(body as object);
  }
  async login(
    loginId: string,
    password = TEST_PASSWORD,
    sessionPath = '/api/auth/session',
    loginPath = '/api/auth/login',
  ) {
    const s = await this.get(sessionPath);
    this.csrf = s.body.csrfToken;
    const res = await this.post(loginPath, { loginId, password });
    if (res.body?.csrfToken) this.csrf = res.body.csrfToken;
    return res;
  }
}
