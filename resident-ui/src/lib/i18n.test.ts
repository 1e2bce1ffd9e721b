import { describe, expect, it } from 'vitest';
import { messages, t } from './i18n.ts';

describe('t', () => {
  it('returns Japanese messages and fills placeholders', () => {
    expect(t('nav.home')).toBe('ホーム');
    expect(t('home.title', { city: '赤磐市' })).toBe('赤磐市のご案内');
    expect(t('footer.operatedBy', { city: '豊中市' })).toBe('豊中市 公式LINEアカウント');
  });

  it('leaves an unknown placeholder visible instead of printing "undefined"', () => {
    expect(t('home.title')).toBe('{city}のご案内');
  });

  it('has no empty messages', () => {
    for (const [key, text] of Object.entries(messages.ja)) expect(text.trim(), key).not.toBe('');
  });
});
