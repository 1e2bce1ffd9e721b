import { describe, expect, it } from 'vitest';
import {
  attemptPassword,
  hashPassword,
  passwordPolicyProblems,
  temporaryPassword,
  verifyPassword,
} from './passwords.js';

describe('passwords', () => {
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('Correct-horse-42');
    expect(h).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(h, 'Correct-horse-42')).toBe(true);
    expect(await verifyPassword(h, 'correct-horse-42')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
  it('names every broken rule in Japanese', () => {
    expect(passwordPolicyProblems('abc', 'tanaka')).toEqual([
      '10文字以上にしてください',
      '英字と数字をどちらも含めてください',
    ]);
    expect(passwordPolicyProblems('tanaka-2026-x', 'tanaka')).toEqual(['ログインIDを含めないでください']);
    expect(passwordPolicyProblems('Same-pass-123', 'u1', 'Same-pass-123')).toEqual([
      '現在のパスワードとは異なるものにしてください',
    ]);
    expect(passwordPolicyProblems('Good-pass-123', 'u1')).toEqual([]);
  });
  it('temporary passwords meet the policy', () => {
    for (let i = 0; i < 50; i++) expect(passwordPolicyProblems(temporaryPassword(), 'someone')).toEqual([]);
  });
  it('locks on the fifth consecutive failure and refuses the right password while locked', async () => {
    const acct = { passwordHash: await hashPassword('Right-pass-1'), failedLoginCount: 3, lockedAt: null };
    expect((await attemptPassword(acct, 'wrong')).outcome).toBe('wrong');
    const fifth = await attemptPassword({ ...acct, failedLoginCount: 4 }, 'wrong');
    expect(fifth.outcome).toBe('now-locked');
    expect(fifth.lockedAt).toBeInstanceOf(Date);
    expect((await attemptPassword({ ...acct, lockedAt: new Date() }, 'Right-pass-1')).outcome).toBe('locked');
    expect(await attemptPassword(acct, 'Right-pass-1')).toEqual({
      outcome: 'ok',
      failedLoginCount: 0,
      lockedAt: null,
    });
  });
});
