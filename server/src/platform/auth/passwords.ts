import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

/** argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1). */
// algorithm 2 = Argon2id (the package's const enum cannot be imported under isolatedModules).
const OPTIONS = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the login id is unknown, so timing does not reveal it. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword('decoy-password-for-timing');
  return decoy;
}

export const PASSWORD_MIN_LENGTH = 10;

/** Japanese messages of every rule the new password breaks; empty when acceptable. */
export function passwordPolicyProblems(password: string, loginId: string, current?: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`${PASSWORD_MIN_LENGTH}文字以上にしてください`);
  if (password.length > 128) problems.push('128文字以内にしてください');
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password))
    problems.push('英字と数字をどちらも含めてください');
  if (password.toLowerCase().includes(loginId.toLowerCase())) problems.push('ログインIDを含めないでください');
  if (current !== undefined && password === current)
    problems.push('現在のパスワードとは異なるものにしてください');
  return problems;
}

/** A temporary password that meets the policy, easy to read aloud (no 0/O, 1/l/I). */
export function temporaryPassword(): string {
  const letters = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
  const digits = '23456789';
  const all = letters + digits;
  const pick = (s: string) => s[randomInt(s.length)]!;
  const chars = [pick(letters), pick(digits), ...Array.from({ length: 12 }, () => pick(all))];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export const MAX_FAILED_LOGINS = 5;

export interface LockableAccount {
  passwordHash: string;
  failedLoginCount: number;
  lockedAt: Date | null;
}

export type AttemptOutcome = 'ok' | 'locked' | 'wrong' | 'now-locked';

/**
 * SEC-5: judges one password attempt. A locked account is refused even with the right password;
 * the fifth consecutive wrong one locks it. Returns the counters the caller must store.
 */
export async function attemptPassword(
  acct: LockableAccount,
  password: string,
): Promise<{ outcome: AttemptOutcome; failedLoginCount: number; lockedAt: Date | null }> {
  if (acct.lockedAt)
    return { outcome: 'locked', failedLoginCount: acct.failedLoginCount, lockedAt: acct.lockedAt };
  if (await verifyPassword(acct.passwordHash, password))
    return { outcome: 'ok', failedLoginCount: 0, lockedAt: null };
  const failedLoginCount = acct.failedLoginCount + 1;
  if (failedLoginCount >= MAX_FAILED_LOGINS)
    return { outcome: 'now-locked', failedLoginCount, lockedAt: new Date() };
  return { outcome: 'wrong', failedLoginCount, lockedAt: null };
}
