import { describe, expect, it } from 'vitest';
import { checkPassword, passwordAcceptable } from './password';

describe('password policy', () => {
  const failing = (pw: string, loginId = 'tanaka', current = 'Old-pass-2025') =>
    checkPassword(pw, { loginId, currentPassword: current })
      .filter((c) => !c.ok)
      .map((c) => c.id);

  it('accepts a long password with letters and digits', () => {
    expect(failing('Sakura-2026-spring')).toEqual([]);
    expect(passwordAcceptable(checkPassword('Sakura-2026-spring', { loginId: 'x' }))).toBe(true);
  });

  it('names every rule that fails', () => {
    expect(failing('short1')).toEqual(['length']);
    expect(failing('onlyletterspassword')).toEqual(['digits']);
    expect(failing('12345678901')).toEqual(['letters']);
    expect(failing('tanaka12345', 'Tanaka12345')).toEqual(['notLoginId']);
    expect(failing('Old-pass-2025')).toEqual(['notCurrent']);
    expect(failing('')).toEqual(['length', 'letters', 'digits', 'notLoginId', 'notCurrent']);
  });
});
