import type { EntityManager } from 'typeorm';
import {
  indexOptions,
  type AttributeItem,
  type ChoiceOption,
  type HierarchyConfig,
  type OptionNode,
} from './attribute.model.js';
import { ITEM_COLUMNS } from './attributes.service.js';
import type { AttributeValue } from './values.js';

/**
 * Registration forms (SEG-5, TZ ③イ): named sets of items residents fill in — 受信設定 for everyone,
 * one only for municipal staff… A `public` form is listed on the resident's settings page; an
 * `unlisted` one is opened by its own link (or QR code) only, and a passcode can guard it.
 */
export interface RegistrationForm {
  id: string;
  code: string;
  name: string;
  introText: string;
  visibility: 'public' | 'unlisted';
  hasPasscode: boolean;
  askEmail: boolean;
  position: number;
  status: 'active' | 'archived';
  createdAt: Date;
  updatedAt: Date;
}

export const FORM_COLUMNS = `f.id, f.code, f.name, f.intro_text as "introText", f.visibility,
  f.passcode_hash is not null as "hasPasscode", f.ask_email as "askEmail", f.position, f.status,
  f.created_at as "createdAt", f.updated_at as "updatedAt"`;

export async function listForms(
  m: EntityManager,
  status: 'active' | 'archived' | 'all' = 'active',
): Promise<RegistrationForm[]> {
  return m.query(
    `select ${FORM_COLUMNS} from registration_form f where ($1 = 'all' or f.status = $1)
      order by f.status, f.position, f.created_at, f.id`,
    [status],
  );
}

export async function findForm(m: EntityManager, id: string): Promise<RegistrationForm | null> {
  const rows: RegistrationForm[] = await m.query(
    `select ${FORM_COLUMNS} from registration_form f where f.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function findFormByCode(m: EntityManager, code: string): Promise<RegistrationForm | null> {
  const rows: RegistrationForm[] = await m.query(
    `select ${FORM_COLUMNS} from registration_form f where f.code = $1`,
    [code],
  );
  return rows[0] ?? null;
}

export async function formPasscodeHash(m: EntityManager, formId: string): Promise<string | null> {
  const rows: Array<{ passcode_hash: string | null }> = await m.query(
    'select passcode_hash from registration_form where id = $1',
    [formId],
  );
  return rows[0]?.passcode_hash ?? null;
}

/** The items of each form in their order; archived items only when asked (staff screens). */
export async function formItems(
  m: EntityManager,
  formIds: string[],
  opts: { includeArchived?: boolean } = {},
): Promise<Map<string, AttributeItem[]>> {
  const out = new Map<string, AttributeItem[]>(formIds.map((id) => [id, []]));
  if (!formIds.length) return out;
  const rows: Array<AttributeItem & { formId: string }> = await m.query(
    `select fi.form_id as "formId", ${ITEM_COLUMNS}
       from registration_form_item fi join attribute_item i on i.id = fi.item_id
      where fi.form_id = any($1::uuid[]) and ($2 or i.status = 'active')
      order by fi.position, i.position`,
    [formIds, opts.includeArchived ?? false],
  );
  for (const { formId, ...item } of rows) out.get(formId)!.push(item);
  return out;
}

/** Replaces a form's item list (ordered). */
export async function setFormItems(m: EntityManager, tenantId: string, formId: string, itemIds: string[]) {
  await m.query('delete from registration_form_item where form_id = $1', [formId]);
  if (!itemIds.length) return;
  await m.query(
    `insert into registration_form_item (tenant_id, form_id, item_id, position)
     select $1, $2, o.id, o.ord - 1 from unnest($3::uuid[]) with ordinality as o(id, ord)`,
    [tenantId, formId, itemIds],
  );
}

function chosenCodes(value: AttributeValue | undefined): Set<string> {
  if (typeof value === 'string') return new Set([value]);
  if (Array.isArray(value)) return new Set(value);
  return new Set();
}

/**
 * An item as a resident sees it: archived options are hidden unless the resident chose one
 * before (so the current answer still shows); staff-only fields (position, status) dropped.
 */
export function itemForResident(item: AttributeItem, current: AttributeValue | undefined) {
  const keep = chosenCodes(current);
  let config = item.config;
  if (item.kind === 'single' || item.kind === 'multi') {
    const options = (item.config as { options: ChoiceOption[] }).options.filter(
      (o) => !o.archived || keep.has(o.code),
    );
    config = { ...item.config, options };
  } else if (item.kind === 'hierarchy') {
    const index = indexOptions(item);
    const keepPaths = new Set([...keep].flatMap((c) => index.get(c)?.path ?? []));
    const prune = (nodes: OptionNode[]): OptionNode[] =>
      nodes
        .filter((n) => !n.archived || keepPaths.has(n.code))
        .map((n) => (n.children ? { ...n, children: prune(n.children) } : n));
    config = {
      ...(item.config as HierarchyConfig),
      options: prune((item.config as HierarchyConfig).options),
    };
  }
  return {
    code: item.code,
    kind: item.kind,
    label: item.label,
    helpText: item.helpText,
    required: item.required,
    config,
  };
}

// ---------------------------------------------------------------------------------------------
// Greeting of new friends (SEG-3: 初回利用時に登録を促す)

export interface GreetingSettings {
  enabled: boolean;
  /** First message: a plain text greeting. `{name}` becomes the municipality's name. */
  text: string;
  /** Text of the button message (LINE: at most 160 characters). */
  buttonText: string;
  /** Label of the button (LINE: at most 20 characters). */
  buttonLabel: string;
  /** The form the button opens; null: the settings page with every public form. */
  formCode: string | null;
}

export const DEFAULT_GREETING: GreetingSettings = {
  enabled: true,
  text: '{name}公式LINEを友だち追加いただき、ありがとうございます。\nお住まいの地区や関心のある分野を登録いただくと、あなたに合ったお知らせをお届けします。',
  buttonText: '受信設定はこちらから登録・変更できます（いつでも変更できます）。',
  buttonLabel: '受信設定をする',
  formCode: null,
};

export async function loadGreetingSettings(m: EntityManager): Promise<GreetingSettings> {
  const rows: Array<{
    greeting_enabled: boolean;
    greeting_text: string | null;
    button_text: string | null;
    button_label: string | null;
    form_code: string | null;
  }> = await m.query('select * from registration_settings');
  const r = rows[0];
  if (!r) return { ...DEFAULT_GREETING };
  return {
    enabled: r.greeting_enabled,
    text: r.greeting_text ?? DEFAULT_GREETING.text,
    buttonText: r.button_text ?? DEFAULT_GREETING.buttonText,
    buttonLabel: r.button_label ?? DEFAULT_GREETING.buttonLabel,
    formCode: r.form_code,
  };
}

export async function saveGreetingSettings(m: EntityManager, tenantId: string, s: GreetingSettings) {
  await m.query(
    `insert into registration_settings (tenant_id, greeting_enabled, greeting_text, button_text, button_label, form_code, updated_at)
     values ($1, $2, $3, $4, $5, $6, now())
     on conflict (tenant_id) do update set greeting_enabled = excluded.greeting_enabled,
       greeting_text = excluded.greeting_text, button_text = excluded.button_text,
       button_label = excluded.button_label, form_code = excluded.form_code, updated_at = now()`,
    [tenantId, s.enabled, s.text, s.buttonText, s.buttonLabel, s.formCode],
  );
}
