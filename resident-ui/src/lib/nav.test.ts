import { describe, expect, it } from 'vitest';
import { isActiveNavItem, navItems, visibleNavItems, type NavItem } from './nav.ts';

const items = [
  { key: 'home', label: 'ホーム', route: '/t/[slug]' },
  {
    key: 'settings',
    label: '受信設定',
    route: '/t/[slug]/settings',
    module: 'segments',
    matchChildren: true,
  },
] as unknown as NavItem[];

describe('navigation config', () => {
  it('starts with the home page', () => {
    expect(navItems[0]).toMatchObject({ key: 'home', label: 'ホーム', route: '/t/[slug]' });
  });

  it('hides module pages the tenant does not have, but only when modules are known', () => {
    expect(visibleNavItems(items, ['delivery']).map((i) => i.key)).toEqual(['home']);
    expect(visibleNavItems(items, ['segments']).map((i) => i.key)).toEqual(['home', 'settings']);
    expect(visibleNavItems(items, undefined).map((i) => i.key)).toEqual(['home', 'settings']);
  });

  it('marks the current item, including child pages where asked', () => {
    expect(isActiveNavItem(items[0]!, '/t/[slug]')).toBe(true);
    expect(isActiveNavItem(items[0]!, '/t/[slug]/settings')).toBe(false);
    expect(isActiveNavItem(items[1]!, '/t/[slug]/settings/topics')).toBe(true);
    expect(isActiveNavItem(items[1]!, null)).toBe(false);
  });
});
