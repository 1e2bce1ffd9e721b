import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { logger } from '../log/logger.js';
import type { AuditEntry } from '../audit/audit-chain.js';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * An error the client may see, rendered as application/problem+json. `title` is Japanese and
 * written for staff or residents. `audit` asks the handler wrapper to record the refusal in the
 * tenant's audit log after the request's transaction rolled back.
 */
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly title: string,
    public readonly opts: {
      type?: string;
      detail?: string;
      errors?: FieldError[];
      audit?: Omit<AuditEntry, 'actorType' | 'actorId' | 'actorLabel' | 'ip' | 'userAgent'>;
      headers?: Record<string, string>;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(title);
  }
}

export const notFound = (what = 'データ') => new HttpError(404, `${what}が見つかりません`);
export const forbidden = (detail?: string) =>
  new HttpError(403, 'この操作を行う権限がありません', { detail, type: 'urn:tsunagu:forbidden' });
export const unauthorized = () =>
  new HttpError(401, 'ログインしてください', { type: 'urn:tsunagu:unauthenticated' });

export function zodToFieldErrors(e: ZodError): FieldError[] {
  return e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export function sendProblem(res: Response, err: HttpError): void {
  for (const [k, v] of Object.entries(err.opts.headers ?? {})) res.setHeader(k, v);
  res
    .status(err.status)
    .type('application/problem+json')
    .json({
      type: err.opts.type ?? 'about:blank',
      title: err.title,
      status: err.status,
      ...(err.opts.detail ? { detail: err.opts.detail } : {}),
      ...(err.opts.errors ? { errors: err.opts.errors } : {}),
      ...(err.opts.extra ?? {}),
    });
}

export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof HttpError) return sendProblem(res, err);
  if (err instanceof ZodError) {
    return sendProblem(
      res,
      new HttpError(422, '入力内容を確認してください', { errors: zodToFieldErrors(err) }),
    );
  }
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.parse.failed')
    return sendProblem(res, new HttpError(400, 'リクエストの形式が正しくありません'));
  if (e?.type === 'entity.too.large') return sendProblem(res, new HttpError(413, 'データが大きすぎます'));
  logger.error({ err, path: req.path, method: req.method }, 'unhandled error');
  if (process.env.DEBUG_ERRORS) console.error(err);
  sendProblem(res, new HttpError(500, 'システムエラーが発生しました。時間をおいて再度お試しください'));
}
