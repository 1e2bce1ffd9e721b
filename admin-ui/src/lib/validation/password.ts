/** The password policy of the API, checked while typing (the server has the last word). */
export interface PolicyCheck {
  id: 'length' | 'letters' | 'digits' | 'notLoginId' | 'notCurrent';
  label: string;
  ok: boolean;
}

export const MIN_PASSWORD_LENGTH = 10;

export function checkPassword(
  password: string,
  ctx: { loginId?: string | null; currentPassword?: string | null },
): PolicyCheck[] {
  const loginId = ctx.loginId ?? '';
  return [
    {
      id: 'length',
      label: `${MIN_PASSWORD_LENGTH}文字以上`,
      ok: [...password].length >= MIN_PASSWORD_LENGTH,
    },
    { id: 'letters', label: '英字を含む', ok: /[A-Za-z]/.test(password) },
    { id: 'digits', label: '数字を含む', ok: /[0-9]/.test(password) },
    {
      id: 'notLoginId',
      label: 'ログインIDと異なる',
      ok: password.length > 0 && password.toLowerCase() !== loginId.toLowerCase(),
    },
    {
      id: 'notCurrent',
      label: '現在のパスワードと異なる',
      ok: password.length > 0 && password !== (ctx.currentPassword ?? ''),
    },
  ];
}

export function passwordAcceptable(checks: PolicyCheck[]): boolean {
  return checks.every((c) => c.ok);
}
