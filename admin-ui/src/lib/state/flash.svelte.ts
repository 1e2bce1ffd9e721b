/** Short confirmations ("保存しました") announced politely and removed after a while. */
export interface FlashMessage {
  id: number;
  kind: 'success' | 'info' | 'danger';
  text: string;
}

let nextId = 1;

export const flashes = $state<{ items: FlashMessage[] }>({ items: [] });

export function dismiss(id: number): void {
  flashes.items = flashes.items.filter((m) => m.id !== id);
}

export function flash(text: string, kind: FlashMessage['kind'] = 'success'): void {
  const id = nextId++;
  flashes.items = [...flashes.items, { id, kind, text }];
  setTimeout(() => dismiss(id), 7000);
}
