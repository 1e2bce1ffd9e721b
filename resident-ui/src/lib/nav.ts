import type { RouteId } from '$app/types';
import { t } from './i18n.ts';

/** Routes of a tenant's resident pages (all take the one parameter `slug`). */
export type TenantRouteId = Extract<RouteId, '/t/[slug]' | `/t/[slug]/${string}`>;

export interface NavItem {
  key: string;
  label: string;
  route: TenantRouteId;
  /**
   * Feature key (server/src/contracts/features.ts) the item belongs to. When the tenant context
   * says which modules are on, items of modules the tenant lacks are hidden.
   */
  module?: string;
  /** Also active on the pages below `route` (e.g. a module's detail pages). */
  matchChildren?: boolean;
}

/**
 * The resident pages' navigation. A module that adds pages under src/routes/t/[slug]/<module>/
 * appends its entry here (as 受信設定 does, shown to tenants with the `segments` module).
 * The header shows the navigation as soon as there is more than one visible item.
 */
export const navItems: NavItem[] = [
  { key: 'home', label: t('nav.home'), route: '/t/[slug]' },
  {
    key: 'settings',
    label: t('nav.settings'),
    route: '/t/[slug]/settings',
    module: 'segments',
    matchChildren: true,
  },
];

export function visibleNavItems(
  items: readonly NavItem[],
  modules: readonly string[] | undefined,
): NavItem[] {
  return items.filter((i) => !i.module || !modules || modules.includes(i.module));
}

export function isActiveNavItem(item: NavItem, routeId: string | null): boolean {
  if (!routeId) return false;
  return routeId === item.route || (item.matchChildren === true && routeId.startsWith(`${item.route}/`));
}
