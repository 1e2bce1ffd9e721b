import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { ProblemResult } from '../http/results.js';
import { hashPassword, passwordPolicyProblems, verifyPassword } from './passwords.js';

export const passwordChangeBody = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(1).max(200),
});

/**
 * A self-service password change of a staff or vendor account. Returns the columns to store, or
 * a refusal: a wrong current password as a ProblemResult (its transaction commits, so the
 * failure stays audited); a new password that breaks the policy throws 422 listing every rule.
 */
export async function checkPasswordChange(
  account: { passwordHash: string; loginId: string },
  body: z.infer<typeof passwordChangeBody>,
): Promise<
  | { ok: true; columns: { passwordHash: string; mustChangePassword: false; passwordChangedAt: Date } }
  | { ok: false; refusal: ProblemResult }
> {
  if (!(await verifyPassword(account.passwordHash, body.currentPassword))) {
    return {
      ok: false,
      refusal: new ProblemResult(
        new HttpError(422, '入力内容を確認してください', {
          errors: [{ path: 'currentPassword', message: '現在のパスワードが正しくありません' }],
        }),
      ),
    };
  }
  const problems = passwordPolicyProblems(body.newPassword, account.loginId, body.currentPassword);
  if (problems.length) {
    throw new HttpError(422, '新しいパスワードが条件を満たしていません', {
      errors: problems.map((message) => ({ path: 'newPassword', message })),
    });
  }
  return {
    ok: true,
    columns: {
      passwordHash: await hashPassword(body.newPassword),
      mustChangePassword: false,
      passwordChangedAt: new Date(),
    },
  };
}
