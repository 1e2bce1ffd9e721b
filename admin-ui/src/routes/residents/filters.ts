import { jstDayEndIso, jstDayStartIso } from '#lib/format/jst.ts';

/** The friends list's filters as they are kept in the URL (back button and bookmarks work). */
export interface ResidentFilters {
  /** `''` is everyone (both LINE channels and e-mail subscribers): a city's demo and test friends are on the test channel. */
  channel: '' | 'production' | 'test' | 'mail';
  friendStatus: string;
  tester: string;
  form: string;
  /** JST calendar days, YYYY-MM-DD. */
  from: string;
  to: string;
}

export function readFilters(sp: URLSearchParams): ResidentFilters {
  const g = (k: string) => sp.get(k) ?? '';
  const channel = g('channel');
  return {
    channel: channel === 'production' || channel === 'test' || channel === 'mail' ? channel : '',
    friendStatus: g('friendStatus'),
    tester: g('tester'),
    form: g('form'),
    from: g('from'),
    to: g('to'),
  };
}

/** Query for the API: days become the UTC instants of the JST days (`to` is exclusive). */
export function apiFilters(f: ResidentFilters) {
  return {
    channel: f.channel || undefined,
    friendStatus: f.friendStatus,
    tester: f.tester,
    form: f.form,
    followedFrom: f.from ? jstDayStartIso(f.from) : undefined,
    followedTo: f.to ? jstDayEndIso(f.to) : undefined,
  };
}

export function isFiltered(f: ResidentFilters): boolean {
  return Boolean(f.channel || f.friendStatus || f.tester || f.form || f.from || f.to);
}
