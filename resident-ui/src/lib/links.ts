import type { TenantLink } from './api.ts';
import { t, type MessageKey } from './i18n.ts';

/** Groups on the home page, in display order. Link kinds come from the tenant files. */
const GROUPS: Array<{ id: string; kinds: string[] }> = [
  { id: 'city-site', kinds: ['city-site'] },
  { id: 'procedures', kinds: ['procedures'] },
  { id: 'reservations', kinds: ['reservations'] },
  { id: 'childcare', kinds: ['childcare'] },
  { id: 'disaster-info', kinds: ['disaster-info'] },
  { id: 'bus', kinds: ['bus-location', 'bus-timetable'] },
];

export interface LinkGroup {
  id: string;
  heading: string;
  links: TenantLink[];
}

/** Groups links by kind (unknown kinds go to その他), keeping the tenant's order inside a group. */
export function groupLinks(links: readonly TenantLink[]): LinkGroup[] {
  const byGroup = new Map<string, TenantLink[]>();
  for (const link of links) {
    const id = GROUPS.find((g) => g.kinds.includes(link.kind))?.id ?? 'other';
    byGroup.set(id, [...(byGroup.get(id) ?? []), link]);
  }
  return [...GROUPS.map((g) => g.id), 'other'].flatMap((id) => {
    const items = byGroup.get(id);
    return items?.length ? [{ id, heading: t(`links.group.${id}` as MessageKey), links: items }] : [];
  });
}

/** Host name shown under a link so residents can see where it leads. */
export function linkHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
