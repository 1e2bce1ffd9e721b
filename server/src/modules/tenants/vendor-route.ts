import type { NextFunction, Request, Response } from 'express';
import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { withOps } from '../../platform/db/data-sources.js';
import { appendToChain, type AuditEntry } from '../../platform/audit/audit-chain.js';
import { VendorAccount, VendorSession } from '../../platform/auth/session.entities.js';
import { newToken, safeEqual, tokenDigest } from '../../platform/auth/tokens.js';
import { findLiveSession } from '../../platform/auth/staff-sessions.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { readCookie } from '../../platform/http/cookies.js';
import { HttpError, sendProblem, unauthorized } from '../../platform/http/errors.js';
import { sendResult } from '../../platform/http/results.js';
import { logger } from '../../platform/log/logger.js';

export interface VendorRequest {
  req: Request;
  res: Response;
  m: EntityManager;
  session: VendorSession | null;
  account: VendorAccount | null;
  ip: string;
  userAgent: string | null;
  audit(entry: Omit<AuditEntry, 'actorType' | 'actorId' | 'actorLabel' | 'ip' | 'userAgent'>): Promise<void>;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function createVendorSession(
  m: EntityManager,
  accountId: string,
  stage: 'totp' | 'active',
  ip: string,
  ua: string | null,
) {
  const token = newToken();
  const session = m.create(VendorSession, {
    id: tokenDigest(token),
    vendorAccountId: accountId,
    stage,
    csrfToken: newToken(),
    ip,
    userAgent: ua?.slice(0, 300) ?? null,
    expiresAt: new Date(Date.now() + config().SESSION_ABSOLUTE_HOURS * 3600_000),
  });
  await m.save(session);
  return { token, session };
}

/**
 * A handler of the vendor console (admin.<root>): runs on the ops pool (BYPASSRLS), the only
 * place that pool is used. `auth: 'none'` routes are the login steps; everything else needs an
 * active vendor session whose password is not pending a change.
 */
export function vendorRoute(
  opts: { auth: 'none' | 'session' | 'active' },
  handler: (ctx: VendorRequest) => Promise<unknown>,
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.hostKind?.kind !== 'vendor')
      return sendProblem(res, new HttpError(404, 'ページが見つかりません'));
    const ip = clientIp(req);
    const userAgent = req.get('user-agent') ?? null;
    let actor: { id: string | null; label: string | null } = { id: null, label: null };
    try {
      const out = await withOps(async (m) => {
        const session = await findLiveSession(m, VendorSession, readCookie(req, 'sid'));
        const account = session
          ? await m.findOne(VendorAccount, { where: { id: session.vendorAccountId } })
          : null;
        if (account) actor = { id: account.id, label: `${account.displayName}（${account.loginId}）` };
        if (UNSAFE.has(req.method)) {
          const sent = req.get('x-csrf-token') ?? '';
          const expected = session ? session.csrfToken : (readCookie(req, 'csrf') ?? '');
          if (!sent || !expected || !safeEqual(sent, expected)) {
            throw new HttpError(403, '不正なリクエストです（CSRF）', { type: 'urn:tsunagu:csrf' });
          }
        }
        if (opts.auth !== 'none') {
          if (!session || !account) throw unauthorized();
          if (session.stage !== 'active' && opts.auth === 'active') throw unauthorized();
          if (opts.auth === 'active' && account.mustChangePassword) {
            throw new HttpError(403, 'パスワードを変更してください', {
              type: 'urn:tsunagu:password-change-required',
            });
          }
        }
        const ctx: VendorRequest = {
          req,
          res,
          m,
          session,
          account,
          ip,
          userAgent,
          audit: async (e) => {
            await appendToChain(
              m,
              { name: 'vendor_audit_log', tenantId: null },
              {
                ...e,
                actorType: actor.id ? 'vendor' : 'anonymous',
                actorId: actor.id,
                actorLabel: actor.label,
                ip,
                userAgent,
              },
            );
          },
        };
        return handler(ctx);
      });
      sendResult(res, out);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status === 403 && err.opts.type === 'urn:tsunagu:csrf') {
          await withOps((m) =>
            appendToChain(
              m,
              { name: 'vendor_audit_log', tenantId: null },
              {
                action: 'access.csrf_refused',
                outcome: 'denied',
                actorType: actor.id ? 'vendor' : 'anonymous',
                actorId: actor.id,
                actorLabel: actor.label,
                ip,
                userAgent,
                detail: { path: req.path },
              },
            ),
          ).catch((e: unknown) => logger.error({ err: e }, 'could not audit a vendor refusal'));
        }
        return sendProblem(res, err);
      }
      next(err);
    }
  };
}
