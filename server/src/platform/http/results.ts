import type { HttpError } from './errors.js';

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
