import { RESPONSE_FILTER_PARAMS } from './filters';

/**
 * A response opened from the list keeps the list with it: the list's filters and sort travel in
 * the detail page's URL with the position the response had (`pos`), so the detail page can offer
 * 前の回答・次の回答 in that same list and lead back to the page it came from.
 */

/** The list's parameters that decide which responses it shows and in what order (not its page). */
const LIST_PARAMS = [...RESPONSE_FILTER_PARAMS, 'sort', 'order', 'pageSize'] as const;

/** Responses per list page unless the URL says otherwise. */
export const RESPONSES_PAGE_SIZE = 20;

/** What is read of a URL's query (SvelteKit's page URL gives a read-only one). */
type Query = Pick<URLSearchParams, 'get'>;

function listParams(from: Query): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of LIST_PARAMS) {
    const v = from.get(k);
    if (v) out.set(k, v);
  }
  return out;
}

function pageSizeOf(sp: Query): number {
  const n = Number(sp.get('pageSize'));
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : RESPONSES_PAGE_SIZE;
}

/** The query of a detail link from row `index` of the list page shown at `listSearch`. */
export function detailSearch(listSearch: Query, index: number): string {
  const n = Number(listSearch.get('page'));
  const page = Number.isInteger(n) && n >= 1 ? n : 1;
  const sp = listParams(listSearch);
  sp.set('pos', String((page - 1) * pageSizeOf(listSearch) + index + 1));
  return `?${sp.toString()}`;
}

export interface ListContext {
  /** The position in the list, 1-based. */
  pos: number;
  /** Parameters for GET …/responses/:rid/neighbours. */
  api: Record<string, string>;
  /** The list page the response is on (a query string). */
  listSearch: string;
  /** The detail query of the response at another position of the same list. */
  at(pos: number): string;
}

/** The list a detail page was opened from, or null (opened from a mail, a bookmark). */
export function listContext(search: Query): ListContext | null {
  const pos = Number(search.get('pos'));
  if (!Number.isInteger(pos) || pos < 1) return null;
  const sp = listParams(search);
  const api: Record<string, string> = { pos: String(pos) };
  for (const [k, v] of sp) if (k !== 'pageSize') api[k] = v;
  const list = new URLSearchParams(sp);
  const page = Math.ceil(pos / pageSizeOf(sp));
  if (page > 1) list.set('page', String(page));
  const listQuery = list.toString();
  return {
    pos,
    api,
    listSearch: listQuery ? `?${listQuery}` : '',
    at(p: number) {
      const q = new URLSearchParams(sp);
      q.set('pos', String(p));
      return `?${q.toString()}`;
    },
  };
}
