import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

/** Small helpers for the admin API: problem+json errors and zod-validated bodies. */

export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AdminError(400, 'Invalid request body', r.error.issues);
  return r.data;
}

export function adminErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (err instanceof AdminError) {
    res
      .status(err.status)
      .type('application/problem+json')
      .json({ title: err.message, status: err.status, ...(err.detail ? { errors: err.detail } : {}) });
    return;
  }
  next(err);
}
