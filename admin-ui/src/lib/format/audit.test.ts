import { describe, expect, it } from 'vitest';
import { actionLabel, detailText, outcomeLabel, targetTypeLabel } from './audit';

describe('audit labels', () => {
  it('names known codes in Japanese and keeps unknown ones', () => {
    expect(actionLabel('auth.login')).toBe('ログイン');
    expect(actionLabel('delivery.send')).toBe('配信（今すぐ）');
    expect(actionLabel('example.unknown_action')).toBe('example.unknown_action');
    expect(outcomeLabel('denied')).toBe('拒否');
    expect(targetTypeLabel('staff')).toBe('職員');
    expect(targetTypeLabel(null)).toBe('—');
  });

  it('formats details', () => {
    expect(detailText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(detailText(null)).toBe('');
    expect(detailText('x')).toBe('x');
  });
});
