import type { FieldError, Problem } from './types';

export const PASSWORD_CHANGE_REQUIRED = 'urn:tsunagu:password-change-required';
export const TENANT_SUSPENDED = 'urn:tsunagu:tenant-suspended';
export const TOTP_SETUP_REQUIRED = 'urn:tsunagu:totp-setup-required';

/** Japanese fallbacks when a response carries no problem+json body (proxy errors, outages). */
const STATUS_TITLES: Record<number, string> = {
  0: 'サーバーに接続できません。ネットワークの状態を確認して、もう一度お試しください。',
  400: 'リクエストの形式が正しくありません。',
  401: 'ログインしてください。',
  403: 'この操作を行う権限がありません。',
  404: 'データが見つかりません。',
  409: 'ほかのデータと重複しています。',
  413: 'データが大きすぎます。',
  422: '入力内容を確認してください。',
  423: 'アカウントがロックされています。管理者に解除を依頼してください。',
  429: '試行回数が多すぎます。しばらく待ってから、もう一度お試しください。',
  500: 'システムエラーが発生しました。時間をおいて再度お試しください。',
  502: 'サーバーが応答していません。時間をおいて再度お試しください。',
  503: 'サービスが一時的に利用できません。時間をおいて再度お試しください。',
  504: 'サーバーの応答がありませんでした。時間をおいて再度お試しください。',
};

export function fallbackTitle(status: number): string {
  return (
    STATUS_TITLES[status] ??
    (status >= 500
      ? (STATUS_TITLES[500] as string)
      : `エラーが発生しました（${status}）。もう一度お試しください。`)
  );
}

/** An API failure. `title` (and `detail`, `errors[].message`) are Japanese and shown as they are. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];

  constructor(problem: Problem) {
    super(problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.type = problem.type ?? 'about:blank';
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }

  /** Message for one form field (`path` as the API names it, e.g. "loginId" or "modules.0"). */
  fieldError(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.startsWith(`${path}.`))?.message;
  }

  get isCsrf(): boolean {
    return this.status === 403 && (/csrf/i.test(this.type) || /CSRF/.test(this.title));
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds an ApiError from a status and whatever body came back (problem+json or not). */
export function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body.title === 'string' && body.title) {
    const errors = Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({
          path: typeof e.path === 'string' ? e.path : Array.isArray(e.path) ? e.path.join('.') : '',
          message: typeof e.message === 'string' ? e.message : '入力内容を確認してください。',
        }))
      : [];
    return new ApiError({
      type: typeof body.type === 'string' ? body.type : undefined,
      title: body.title,
      status: typeof body.status === 'number' ? body.status : status,
      detail: typeof body.detail === 'string' ? body.detail : undefined,
      errors,
    });
  }
  return new ApiError({ title: fallbackTitle(status), status });
}

/** Message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail ? `${err.title}（${err.detail}）` : err.title;
  return 'エラーが発生しました。画面を再読み込みして、もう一度お試しください。';
}
