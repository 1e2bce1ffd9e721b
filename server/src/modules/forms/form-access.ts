import express, { type NextFunction, type Request, type Response } from 'express';
import { subject } from '@casl/ability';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { assertCan, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, uuidParam } from '../../platform/http/validation.js';
import { mustLoadForm, type FormRow } from './forms.service.js';

/** Permission checks and request helpers shared by the forms module's staff and resident routes. */

export const asSubject = (f: { id: string; organisationId: string }) =>
  subject('Form', { id: f.id, organisationId: f.organisationId });

/** What the caller may do with one form, so screens can hide what the server would refuse. */
export const permissionsOn = (ctx: StaffRequest, f: { id: string; organisationId: string }) => ({
  update: ctx.ability.can('update', asSubject(f)),
  delete: ctx.ability.can('delete', asSubject(f)),
  export: ctx.ability.can('export', asSubject(f)),
  share: ctx.ability.can('delete', asSubject(f)),
  publish: ctx.ability.can('update', asSubject(f)),
  responses: ctx.ability.can('read', asSubject(f)),
});

/** Loads a form by the id in the path and checks the action on it (403 audited, 404 for others' ids). */
export async function formFor(
  ctx: StaffRequest,
  action: 'read' | 'update' | 'delete' | 'export',
  forUpdate = false,
): Promise<FormRow> {
  const form = await mustLoadForm(ctx.m, parseBody(uuidParam, ctx.req.params.id), forUpdate);
  assertCan(ctx, action, asSubject(form), { type: 'form', id: form.id });
  return form;
}

/** A raw upload of at most `limit` bytes; a bigger one gets `tooLarge` (Japanese) instead of a generic 413. */
export function rawBody(limit: number, tooLarge: string) {
  const parse = express.raw({ type: () => true, limit });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large')
        return sendProblem(res, new HttpError(413, tooLarge));
      next(err);
    });
}

/** The file name an upload names in `X-File-Name` (percent-encoded UTF-8). */
export function uploadName(req: Request): string {
  const raw = req.get('x-file-name') ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
