import { describe, expect, it } from 'vitest';
import { initialResidentState, pickLiffApp } from './liff.ts';

const config = {
  sdkUrl: 'https://example.test/sdk.js',
  apps: [
    { channel: 'production' as const, liffId: '100-prod' },
    { channel: 'test' as const, liffId: '200-test' },
  ],
};

describe('pickLiffApp', () => {
  it('uses the test channel’s app only when the page says so', () => {
    expect(pickLiffApp(config, 'test')).toBe('200-test');
    expect(pickLiffApp(config, null)).toBe('100-prod');
    expect(pickLiffApp(config, 'anything')).toBe('100-prod');
  });
  it('is null without LIFF apps', () => {
    expect(pickLiffApp(undefined, 'test')).toBeNull();
    expect(pickLiffApp({ ...config, apps: [] }, null)).toBeNull();
  });
});

describe('initialResidentState', () => {
  it('pages opened by a LIFF app wait for the sign-in; others start signed out', () => {
    expect(initialResidentState('200-test')).toEqual({ kind: 'signing-in' });
    expect(initialResidentState(null)).toEqual({ kind: 'none' });
  });
});
