/** Filters of the delivery history list, kept in the URL (the API takes the same names). */
export interface DeliveryFilters {
  q: string;
  status: string;
  type: string;
  channel: string;
  /** JST calendar days, YYYY-MM-DD. */
  from: string;
  to: string;
}

export function readFilters(sp: URLSearchParams): DeliveryFilters {
  const g = (k: string) => sp.get(k) ?? '';
  return {
    q: g('q'),
    status: g('status'),
    type: g('type'),
    channel: g('channel'),
    from: g('from'),
    to: g('to'),
  };
}

export function readSort(sp: URLSearchParams) {
  const sort = sp.get('sort') || 'date';
  const order = sp.get('order') === 'asc' ? 'asc' : 'desc';
  return { sort, order };
}
