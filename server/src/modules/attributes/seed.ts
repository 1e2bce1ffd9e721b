import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  createItemSchema,
  indexOptions,
  type AttributeItem,
  type CreateItemInput,
} from './attribute.model.js';
import { listItems, writeResidentValues } from './attributes.service.js';
import { addDays, firstOfMonth, jstDate, subtractYears } from './dates.js';
import { DEFAULT_GREETING, saveGreetingSettings, setFormItems } from './registration.service.js';
import type { AttributeValue } from './values.js';

/**
 * Each municipality's attribute items and registration forms as its specification names them
 * (tenants/attributes/<slug>.yaml, SEG-1). Loading is idempotent and additive: items and forms
 * are created when their code is new and left alone when it exists (staff may have changed them
 * since); nothing is ever deleted.
 */
const seedSchema = z.strictObject({
  items: z.array(z.unknown()).min(1),
  forms: z
    .array(
      z.strictObject({
        code: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
        name: z.string().min(1).max(100),
        introText: z.string().max(2000).default(''),
        visibility: z.enum(['public', 'unlisted']).default('public'),
        askEmail: z.boolean().default(false),
        items: z.array(z.string()).min(1),
      }),
    )
    .default([]),
  greeting: z.strictObject({ text: z.string().min(1).max(5000) }).optional(),
});

export interface SeedResult {
  itemsCreated: string[];
  formsCreated: string[];
}

export const ATTRIBUTE_SEED_DIR = path.resolve(import.meta.dirname, '../../../../tenants/attributes');

/** Parses and checks a seed file; throws with every problem and where it is. */
export function parseAttributeSeed(text: string, source: string) {
  const raw = seedSchema.safeParse(parse(text));
  if (!raw.success)
    throw new Error(
      `${source}: ${raw.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const items: CreateItemInput[] = raw.data.items.map((it, n) => {
    const r = createItemSchema.safeParse(it);
    if (!r.success)
      throw new Error(
        `${source}: items.${n}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return r.data as CreateItemInput;
  });
  const codes = new Set<string>();
  for (const i of items) {
    if (codes.has(i.code)) throw new Error(`${source}: item code ${i.code} appears twice`);
    codes.add(i.code);
  }
  for (const f of raw.data.forms)
    for (const c of f.items)
      if (!codes.has(c)) throw new Error(`${source}: form ${f.code} names unknown item ${c}`);
  return { items, forms: raw.data.forms, greeting: raw.data.greeting };
}

/** Loads tenants/attributes/<slug>.yaml into the current tenant (inside withTenant). */
export async function seedTenantAttributes(
  m: EntityManager,
  tenantId: string,
  slug: string,
  dir = ATTRIBUTE_SEED_DIR,
): Promise<SeedResult | null> {
  const file = path.join(dir, `${slug}.yaml`);
  if (!existsSync(file)) return null;
  const seed = parseAttributeSeed(await readFile(file, 'utf8'), file);
  const result: SeedResult = { itemsCreated: [], formsCreated: [] };
  const next: Array<{ n: number }> = await m.query(
    'select coalesce(max(position) + 1, 0)::int as n from attribute_item',
  );
  let position = next[0]!.n;
  for (const item of seed.items) {
    const rows: unknown[] = await m.query(
      `insert into attribute_item (tenant_id, code, kind, label, help_text, required, position, config)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) on conflict (tenant_id, code) do nothing returning id`,
      [
        tenantId,
        item.code,
        item.kind,
        item.label,
        item.helpText,
        item.required,
        position,
        JSON.stringify(item.config),
      ],
    );
    if (rows.length) {
      position++;
      result.itemsCreated.push(item.code);
    }
  }
  const ids = new Map((await listItems(m, { status: 'all' })).map((i) => [i.code, i.id]));
  for (const [n, f] of seed.forms.entries()) {
    const rows: Array<{ id: string }> = await m.query(
      `insert into registration_form (tenant_id, code, name, intro_text, visibility, ask_email, position)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (tenant_id, code) do nothing returning id`,
      [tenantId, f.code, f.name, f.introText, f.visibility, f.askEmail, n],
    );
    if (!rows.length) continue;
    await setFormItems(
      m,
      tenantId,
      rows[0]!.id,
      f.items.map((c) => ids.get(c)!),
    );
    result.formsCreated.push(f.code);
  }
  // The city's greeting, unless staff have already saved their own.
  const saved: unknown[] = await m.query('select 1 from registration_settings');
  if (seed.greeting && !saved.length)
    await saveGreetingSettings(m, tenantId, { ...DEFAULT_GREETING, text: seed.greeting.text });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Demo residents

/** A deterministic "random" number in [0, 1) from a resident id and a salt. */
function unit(id: string, salt: string): number {
  return createHash('sha256').update(`${id}:${salt}`).digest().readUInt32BE(0) / 2 ** 32;
}

function pick<T>(list: readonly T[], id: string, salt: string): T {
  return list[Math.floor(unit(id, salt) * list.length)]!;
}

/** A plausible answer to one item for a demo resident (about one in five items left blank). */
function demoValue(item: AttributeItem, residentId: string, today: string): AttributeValue | null {
  const salt = item.code;
  if (!item.required && unit(residentId, `${salt}:blank`) < 0.2) return null;
  const options = [...indexOptions(item).values()].filter((o) => !o.archived);
  switch (item.kind) {
    case 'single':
      return pick(options, residentId, salt).code;
    case 'hierarchy': {
      const leaves = options.filter((o) => o.isLeaf);
      return pick(leaves, residentId, salt).code;
    }
    case 'multi': {
      const chosen = options.filter((o, i) => unit(residentId, `${salt}:${i}`) < 0.3).map((o) => o.code);
      return chosen.length ? chosen : [pick(options, residentId, salt).code];
    }
    case 'date': {
      const age = 18 + Math.floor(unit(residentId, salt) * 62);
      const d = addDays(subtractYears(today, age), -Math.floor(unit(residentId, `${salt}:d`) * 365));
      // Stored as answers are: month precision keeps the first of the month.
      return (item.config as { precision?: string }).precision === 'month' ? firstOfMonth(d) : d;
    }
    case 'dates': {
      const n = Math.floor(unit(residentId, salt) * 3);
      const max = (item.config as { maxCount: number }).maxCount;
      return Array.from({ length: Math.min(n, max) }, (_, i) =>
        addDays(today, -1 - Math.floor(unit(residentId, `${salt}:${i}`) * 365 * 15)),
      );
    }
    case 'number': {
      const c = item.config as { min?: number; max?: number };
      const lo = c.min ?? 1;
      const hi = Math.min(c.max ?? lo + 5, lo + 5);
      return lo + Math.floor(unit(residentId, salt) * (hi - lo + 1));
    }
    case 'text':
      return null;
  }
}

/**
 * Gives demo residents who have no answers yet (friends made in the LINE emulator) plausible
 * values for every active item, derived from their id so a re-run gives the same answers. Never
 * touches a resident who answered anything.
 */
export async function seedDemoResidentValues(
  m: EntityManager,
  tenantId: string,
  now = new Date(),
): Promise<number> {
  const items = await listItems(m, { status: 'active' });
  if (!items.length) return 0;
  const residents: Array<{ id: string }> = await m.query(
    `select r.id from resident r
      where not exists (select 1 from resident_attribute_value v where v.resident_id = r.id)
      order by r.created_at limit 5000`,
  );
  const today = jstDate(now);
  for (const r of residents) {
    const entries = items.flatMap((item) => {
      const value = demoValue(item, r.id, today);
      return value === null ? [] : [{ item, value }];
    });
    await writeResidentValues(m, tenantId, r.id, entries, {});
  }
  return residents.length;
}
