import type { Response } from 'express';
import { sendProblem, type HttpError } from './errors.js';

/** Handler results other than JSON: files (CSV exports), redirects and explicit statuses. */
export class FileResult {
  constructor(
    public readonly body: Buffer,
    public readonly contentType: string,
    public readonly contentDisposition: string,
  ) {}
}

export class RedirectResult {
  constructor(public readonly location: string) {}
}

export class StatusResult {
  constructor(
    public readonly status: number,
    public readonly body: unknown,
  ) {}
}

/** A refusal whose transaction still commits (a failed login must keep its failure count). */
export class ProblemResult {
  constructor(public readonly error: HttpError) {}
}

/**
 * Renders what a handler returned, the same way for every kind of route (staff, vendor,
 * resident): undefined → 204, files with their download headers, redirects, explicit statuses,
 * refusals whose transaction committed, anything else as JSON.
 */
export function sendResult(res: Response, out: unknown): void {
  if (res.headersSent) return;
  if (out === undefined) res.status(204).end();
  else if (out instanceof FileResult) {
    res.setHeader('Content-Type', out.contentType);
    res.setHeader('Content-Disposition', out.contentDisposition);
    res.setHeader('Cache-Control', 'no-store');
    res.send(out.body);
  } else if (out instanceof RedirectResult) res.redirect(303, out.location);
  else if (out instanceof StatusResult) res.status(out.status).json(out.body);
  else if (out instanceof ProblemResult) sendProblem(res, out.error);
  else res.json(out);
}
