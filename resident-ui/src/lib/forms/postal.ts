/**
 * Postal code → address on the resident's page (FORM-3, decision 0010): the browser never holds
 * Japan Post's data; it asks the server for one code (GET /api/t/:slug/postal/:digits7), keeps the
 * answer, and gives the engine a lookup that says `undefined` ("not known yet") until the answer
 * has arrived — the engine then neither fills nor refuses. When it arrives, the page evaluates
 * again and fills the address item the postal code names, once per code, so what the resident
 * types afterwards (the 番地, a corrected town) is never overwritten.
 */
import {
  normalisePostalCode,
  postalDigits,
  type CompiledForm,
  type FormEvaluation,
  type PostalAddress,
  type PostalLookup,
} from '@tsunagu/server/contracts';
import { entriesOf, getAt, setAt, type RawAnswers } from './answers.ts';

/** null: the lookup failed (network, rate limit); [] : no such postal code. */
export type PostalFetch = (digits: string) => Promise<PostalAddress[] | null>;

/** How long a failed lookup is left alone before it is asked again. */
const RETRY_AFTER_MS = 10_000;

export class PostalCache {
  private readonly known = new Map<string, PostalAddress[]>();
  private readonly pending = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  constructor(
    private readonly fetchCode: PostalFetch,
    /** Called when an answer arrives (the page evaluates again). */
    private readonly onArrive: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  readonly lookup: PostalLookup = (digits) => {
    const hit = this.known.get(digits);
    if (hit) return hit;
    if (!/^\d{7}$/.test(digits) || this.pending.has(digits)) return undefined;
    const failed = this.failedAt.get(digits);
    if (failed !== undefined && this.clock() - failed < RETRY_AFTER_MS) return undefined;
    this.pending.add(digits);
    void this.fetchCode(digits)
      .catch(() => null)
      .then((found) => {
        this.pending.delete(digits);
        if (found === null) {
          this.failedAt.set(digits, this.clock());
          return;
        }
        this.failedAt.delete(digits);
        this.known.set(digits, found);
        this.onArrive();
      });
    return undefined;
  };

  /** True while the code is being looked up. */
  isPending(digits: string): boolean {
    return this.pending.has(digits);
  }
}

/** What the page says at an address item that a postal code filled (or could not fill). */
export interface PostalNote {
  /** NNN-NNNN */
  postalCode: string;
  status: 'found' | 'notFound';
  addresses: PostalAddress[];
  /** The code covers several towns: the resident picks one (or types it). */
  chooseTown: boolean;
}

function digitsAt(raw: RawAnswers, path: string): string | null {
  const v = getAt(raw, path);
  const code = typeof v === 'string' ? normalisePostalCode(v) : null;
  return code ? postalDigits(code) : null;
}

/**
 * The postal codes already in answers (a restored draft): marked as filled, so opening a draft
 * does not overwrite the address the resident completed last time.
 */
export function filledFrom(form: CompiledForm, raw: RawAnswers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ci of form.items.values()) {
    if (ci.item.type !== 'postalCode' || !ci.item.fillAddress) continue;
    const section = ci.section.section.repeat ? ci.section.code : null;
    const paths = section ? entriesOf(raw, section).map((_, i) => `${section}.${i}.${ci.code}`) : [ci.code];
    for (const path of paths) {
      const d = digitsAt(raw, path);
      if (d) out[path] = d;
    }
  }
  return out;
}

/** The notes to show at address items that postal codes filled or could not fill, by the address's path. */
export function postalNotes(ev: FormEvaluation, raw: RawAnswers): Record<string, PostalNote> {
  const notes: Record<string, PostalNote> = {};
  for (const [path, d] of Object.entries(ev.derived)) {
    if (d.kind !== 'postal' || !d.target || d.status === 'unknown') continue;
    const digits = digitsAt(raw, path);
    if (!digits) continue;
    notes[d.target] = {
      postalCode: `${digits.slice(0, 3)}-${digits.slice(3)}`,
      status: d.status,
      addresses: d.addresses,
      chooseTown: d.status === 'found' && !!d.fill && !d.fill.town && d.addresses.length > 1,
    };
  }
  return notes;
}

/**
 * Fills addresses from the postal codes the engine found, once per code and path (`filled`
 * remembers which code filled which path). Returns the same `raw` object when nothing changed.
 */
export function applyPostalFills(
  ev: FormEvaluation,
  raw: RawAnswers,
  filled: Readonly<Record<string, string>>,
): { raw: RawAnswers; filled: Record<string, string> } {
  let out = raw;
  const nextFilled = { ...filled };
  for (const [path, d] of Object.entries(ev.derived)) {
    if (d.kind !== 'postal' || !d.target || d.status === 'unknown') continue;
    const digits = digitsAt(raw, path);
    if (!digits || nextFilled[path] === digits) continue;
    nextFilled[path] = digits;
    if (d.status !== 'found' || !d.fill) continue;
    const current = getAt(out, d.target);
    const building =
      current && typeof current === 'object' && 'building' in current
        ? (current as { building?: unknown }).building
        : undefined;
    out = setAt(out, d.target, {
      prefecture: d.fill.prefecture,
      city: d.fill.city,
      town: d.fill.town,
      ...(typeof building === 'string' && building ? { building } : {}),
    });
  }
  return { raw: out, filled: nextFilled };
}
