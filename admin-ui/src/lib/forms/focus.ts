import { tick } from 'svelte';

/** After a failed check, move keyboard focus to the first field marked invalid (WCAG 3.3.1). */
export async function focusFirstInvalid(root: Element | null | undefined): Promise<void> {
  await tick();
  const el = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
  el?.focus();
}
