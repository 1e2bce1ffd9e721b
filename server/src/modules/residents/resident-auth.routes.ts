import { Router, type Request, type Response } from 'express';
import express from 'express';
import { z } from 'zod';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { encryptField, decryptField } from '../../platform/crypto/tenant-keys.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { clearCookie, readCookie, setCookie } from '../../platform/http/cookies.js';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { parseBody } from '../../platform/http/validation.js';
import { sendResult } from '../../platform/http/results.js';
import { newToken, safeEqual, tokenDigest } from '../../platform/auth/tokens.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import type { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { findChannel, CHANNEL_KINDS } from '../line/channels.service.js';
import { RESIDENT_NAME_PURPOSE } from '../line/residents.service.js';
import { IdTokenError, unverifiedAudience, verifyIdToken } from './id-token.js';

const SESSION_HOURS = 12;

async function residentTenant(slug: string): Promise<Tenant> {
  const t = await findTenantBySlug(slug);
  if (!t) throw new HttpError(404, '自治体が見つかりません');
  if (t.status === 'suspended') {
    throw new HttpError(403, 'このサービスは現在ご利用いただけません', {
      type: 'urn:tsunagu:tenant-suspended',
    });
  }
  return t;
}

function wrap(fn: (req: Request, res: Response) => Promise<unknown>) {
  return async (req: Request, res: Response) => {
    try {
      sendResult(res, await fn(req, res));
    } catch (err) {
      if (err instanceof HttpError) return sendProblem(res, err);
      throw err;
    }
  };
}

/** The resident of a live session of this tenant, or null. RLS keeps other tenants' sessions invisible. */
async function currentResident(m: Parameters<Parameters<typeof withTenant>[1]>[0], req: Request) {
  const token = readCookie(req, 'rsid');
  if (!token) return null;
  const rows: Array<{
    id: string;
    csrf_token: string;
    resident_id: string;
    channel_kind: string;
    friend_status: string;
    display_name: string | null;
    picture_url: string | null;
  }> = await m.query(
    `select s.id, s.csrf_token, r.id as resident_id, r.channel_kind, r.friend_status, r.display_name, r.picture_url
       from resident_session s join resident r on r.id = s.resident_id
      where s.id = $1 and s.expires_at > now()`,
    [tokenDigest(token)],
  );
  return rows[0] ?? null;
}

/**
 * Resident sessions for LIFF pages (`/api/t/<slug>/…`). The page sends LINE's raw ID token; the
 * server verifies it against the tenant's LINE Login channel and opens a session bound to that
 * tenant and resident. A custom header is required on the login POST so that no other site can
 * log a resident in (a cross-site form cannot set it).
 */
export function residentAuthRouter(): Router {
  const r = Router();
  const json = express.json({ limit: '16kb' });

  r.post(
    '/:slug/session',
    json,
    wrap(async (req, res) => {
      if (req.get('x-requested-with') !== 'tsunagu') throw new HttpError(403, '不正なリクエストです');
      const { idToken } = parseBody(z.object({ idToken: z.string().min(10).max(4096) }), req.body);
      const tenant = await residentTenant(String(req.params.slug));
      return withTenant(tenant.id, async (m) => {
        const aud = unverifiedAudience(idToken);
        let channel = null;
        for (const kind of CHANNEL_KINDS) {
          const c = await findChannel(m, kind);
          if (c?.loginChannelId && c.loginChannelId === aud) channel = c;
        }
        const openFromLine = new HttpError(
          401,
          `${tenant.nameJa}のLINE公式アカウントからページを開いてください`,
          {
            type: 'urn:tsunagu:resident-login',
          },
        );
        if (!channel) throw openFromLine;
        let claims;
        try {
          claims = await verifyIdToken(idToken, channel.loginChannelId!);
        } catch (e) {
          if (e instanceof IdTokenError) throw openFromLine;
          throw e;
        }
        if (!/^U[0-9a-f]{32}$/.test(claims.sub)) throw openFromLine;
        const displayName = claims.name ? await encryptField(claims.name, RESIDENT_NAME_PURPOSE) : null;
        const rows: Array<{ id: string }> = await m.query(
          `insert into resident (tenant_id, channel_kind, line_user_id, display_name, picture_url, profile_fetched_at)
           values ($1, $2, $3, $4, $5, now())
           on conflict (tenant_id, channel_kind, line_user_id) do update set
             display_name = coalesce(excluded.display_name, resident.display_name),
             picture_url = coalesce(excluded.picture_url, resident.picture_url), updated_at = now()
           returning id`,
          [tenant.id, channel.kind, claims.sub, displayName, claims.picture ?? null],
        );
        const residentId = rows[0]!.id;
        const token = newToken();
        const csrf = newToken();
        await m.query(
          `insert into resident_session (id, tenant_id, resident_id, csrf_token, expires_at)
           values ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
          [tokenDigest(token), tenant.id, residentId, csrf, SESSION_HOURS],
        );
        await appendToChain(
          m,
          { name: 'audit_log', tenantId: tenant.id },
          {
            actorType: 'resident',
            actorId: residentId,
            action: 'resident.login',
            outcome: 'success',
            detail: { channel: channel.kind },
            ip: clientIp(req),
            userAgent: req.get('user-agent') ?? null,
          },
        );
        setCookie(res, 'rsid', token, SESSION_HOURS * 3600);
        return { resident: { id: residentId, channel: channel.kind }, csrfToken: csrf };
      });
    }),
  );

  r.get(
    '/:slug/me',
    wrap(async (req) => {
      const tenant = await residentTenant(String(req.params.slug));
      return withTenant(tenant.id, async (m) => {
        const s = await currentResident(m, req);
        if (!s)
          throw new HttpError(401, 'LINEからページを開き直してください', {
            type: 'urn:tsunagu:resident-login',
          });
        return {
          resident: {
            id: s.resident_id,
            channel: s.channel_kind,
            friendStatus: s.friend_status,
            displayName: s.display_name ? await decryptField(s.display_name, RESIDENT_NAME_PURPOSE) : null,
            pictureUrl: s.picture_url,
          },
          csrfToken: s.csrf_token,
        };
      });
    }),
  );

  r.post(
    '/:slug/logout',
    wrap(async (req, res) => {
      const tenant = await residentTenant(String(req.params.slug));
      await withTenant(tenant.id, async (m) => {
        const s = await currentResident(m, req);
        if (s && safeEqual(req.get('x-csrf-token') ?? '', s.csrf_token)) {
          await m.query('delete from resident_session where id = $1', [s.id]);
        }
      });
      clearCookie(res, 'rsid');
      return undefined;
    }),
  );
  return r;
}
