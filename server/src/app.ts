import express, { type Express, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { config } from './platform/config/config.js';
import { errorHandler, HttpError, sendProblem } from './platform/http/errors.js';
import { classifyHost, findTenantBySlug } from './platform/tenancy/tenants.js';
import { staffAuthRouter } from './platform/auth/staff-auth.routes.js';
import { securityRouter } from './platform/tenancy/security.routes.js';
import { staffRouter } from './modules/staff/staff.routes.js';
import {
  directoryRouter,
  featuresRouter,
  organisationsRouter,
  teamsRouter,
} from './modules/staff/organisations.routes.js';
import { auditRouter } from './modules/audit/audit.routes.js';
import { formsRouter } from './modules/forms/forms.routes.js';
import { richMenusRouter } from './modules/richmenu/richmenu.routes.js';
import { deliveriesRouter } from './modules/delivery/delivery.routes.js';
import { deliveryToolsRouter, mediaRouter } from './modules/delivery/delivery-tools.routes.js';
import { attributesRouter } from './modules/attributes/attributes.routes.js';
import { registrationFormsRouter } from './modules/attributes/registration.routes.js';
import { residentRegistrationRouter } from './modules/attributes/resident-registration.routes.js';
import { segmentsRouter } from './modules/segments/segments.routes.js';
import { mailRouter } from './modules/mail/mail.routes.js';
import { garbageRouter } from './modules/garbage/garbage.routes.js';
import { vendorRouter } from './modules/tenants/vendor.routes.js';
import { appDataSource } from './platform/db/data-sources.js';
import { withTenant } from './platform/db/tenant-context.js';
import { webhookRouter } from './modules/line/webhook.routes.js';
import { residentAuthRouter } from './modules/residents/resident-auth.routes.js';
import { clickTrackingRouter } from './modules/delivery/click-tracking.routes.js';
import { residentsRouter } from './modules/residents/residents.routes.js';
import { mailSubscriptionRouter } from './modules/mail-subscription/subscription.routes.js';
import { residentFormsRouter } from './modules/forms/resident-forms.routes.js';

const suspendedProblem = () =>
  new HttpError(403, 'このサービスは現在ご利用いただけません', {
    type: 'urn:tsunagu:tenant-suspended',
    detail: 'ご契約の自治体のサービスは一時停止されています。',
  });

/**
 * Serves a built SPA folder; unknown GET paths (client-side routes) get index.html. The folder
 * is looked up per request, so a UI built after the server started is served too.
 */
function spa(dir: string, fallbackWhen: (req: Request) => boolean) {
  const statics = express.static(dir, { index: false, maxAge: '1h' });
  const index = path.join(dir, 'index.html');
  return (req: Request, res: Response, next: (err?: unknown) => void) =>
    statics(req, res, () => {
      if (req.method !== 'GET' || !fallbackWhen(req) || !existsSync(index)) return next();
      res.setHeader('Cache-Control', 'no-store');
      res.sendFile(index);
    });
}

/** Builds the HTTP application; tests import it without listening. */
export function buildApp(): Express {
  const app = express();
  const cfg = config();
  app.disable('x-powered-by');
  app.set('trust proxy', cfg.TRUST_PROXY_HOPS);
  const frameAncestors = cfg.RESIDENT_FRAME_ANCESTORS.split(/\s+/)
    .filter((o) => /^https?:\/\/[A-Za-z0-9.:-]+$/.test(o))
    .join(' ');

  app.use((req, res, next) => {
    req.hostKind = classifyHost(req.headers.host, cfg.ROOT_DOMAIN);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    if (req.hostKind.kind !== 'public') res.setHeader('X-Frame-Options', 'DENY');
    else if (frameAncestors)
      res.setHeader('Content-Security-Policy', `frame-ancestors 'self' ${frameAncestors}`);
    else res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    if (cfg.COOKIE_SECURE) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const ds = await appDataSource();
    await ds.query('select 1');
    res.json({ status: 'ok' });
  });

  const json = express.json({ limit: '1mb' });

  // Staff console of a tenant (<slug>.admin.<root>) and the vendor console (admin.<root>).
  const admin = express.Router();
  admin.use('/auth', json, staffAuthRouter());
  admin.use('/staff', json, staffRouter());
  admin.use('/organisations', json, organisationsRouter());
  admin.use('/teams', json, teamsRouter());
  admin.use('/features', json, featuresRouter());
  admin.use('/directory', json, directoryRouter());
  admin.use('/audit', json, auditRouter());
  admin.use('/security', json, securityRouter());
  // Form definitions may hold up to 2,000 items (FORM_LIMITS): a larger body than other screens send.
  admin.use('/forms', express.json({ limit: '5mb' }), formsRouter());
  admin.use('/richmenus', json, richMenusRouter());
  // Uploads, schedule previews and CSV import first: their paths would otherwise match /:id.
  admin.use('/deliveries', json, deliveryToolsRouter());
  admin.use('/deliveries', json, deliveriesRouter());
  admin.use('/attributes', json, attributesRouter());
  admin.use('/registration-forms', json, registrationFormsRouter());
  admin.use('/residents', json, residentsRouter());
  admin.use('/segments', json, segmentsRouter());
  admin.use('/mail', json, mailRouter());
  admin.use('/garbage-calendars', json, garbageRouter());
  admin.use('/vendor', json, vendorRouter());
  admin.get('/context', async (req, res) => {
    const kind = req.hostKind!;
    if (kind.kind === 'vendor') return void res.json({ kind: 'vendor' });
    if (kind.kind !== 'tenant') return sendProblem(res, new HttpError(404, 'ページが見つかりません'));
    const { findTenantBySubdomain } = await import('./platform/tenancy/tenants.js');
    const t = await findTenantBySubdomain(kind.subdomain);
    if (!t) return sendProblem(res, new HttpError(404, '自治体が見つかりません'));
    if (t.status === 'suspended') return sendProblem(res, suspendedProblem());
    res.json({
      kind: 'tenant',
      tenant: {
        id: t.id,
        slug: t.slug,
        nameJa: t.nameJa,
        nameEn: t.nameEn,
        prefectureJa: t.prefectureJa,
        status: t.status,
        modules: t.modules,
      },
    });
  });

  // Resident pages (LIFF) name their tenant in the path.
  admin.get('/t/:slug/context', async (req, res) => {
    const t = await findTenantBySlug(req.params.slug);
    if (!t) return sendProblem(res, new HttpError(404, '自治体が見つかりません'));
    if (t.status === 'suspended') return sendProblem(res, suspendedProblem());
    // LIFF apps of the tenant's channels, so the page can log the resident in (ids are public).
    const apps: Array<{ channel: string; liffId: string }> = await withTenant(t.id, (m) =>
      m.query(
        `select kind as channel, liff_id as "liffId" from line_channel where liff_id is not null order by kind`,
      ),
    );
    res.json({
      tenant: { slug: t.slug, nameJa: t.nameJa, nameEn: t.nameEn, links: t.links, modules: t.modules },
      liff: { sdkUrl: cfg.LIFF_SDK_URL, apps },
    });
  });

  // Message images LINE fetches (public, unguessable URLs).
  app.use('/media', mediaRouter());
  app.use('/webhook', webhookRouter());
  // Tracking links of deliveries (DEL-8), before the resident pages' SPA fallback.
  app.use('/t', clickTrackingRouter());
  app.use('/api/t', residentAuthRouter());
  app.use('/api/t', residentRegistrationRouter());
  // Subscriptions by e-mail (DEL-10): public pages, no LIFF session.
  app.use('/api/t', mailSubscriptionRouter());
  // Forms (issue 5): form pages, drafts, uploads, submissions and the postal-code lookup.
  app.use('/api/t', residentFormsRouter());
  app.use('/api', admin);
  app.use('/api', (_req, res) => sendProblem(res, new HttpError(404, 'APIが見つかりません')));

  const adminUi = cfg.ADMIN_UI_DIR ?? path.resolve(import.meta.dirname, '../../admin-ui/build');
  const residentUi = cfg.RESIDENT_UI_DIR ?? path.resolve(import.meta.dirname, '../../resident-ui/build');
  const adminSpa = spa(adminUi, () => true);
  const residentSpa = spa(residentUi, (req) => req.path.startsWith('/t/'));
  app.use((req, res, next) =>
    req.hostKind?.kind === 'public' ? residentSpa(req, res, next) : adminSpa(req, res, next),
  );
  app.get('/', (req, res) => {
    if (req.hostKind?.kind === 'public') res.type('text/plain; charset=utf-8').send('tsunagu');
    else res.status(404).end();
  });

  app.use(errorHandler);
  return app;
}
