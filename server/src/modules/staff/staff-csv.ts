/**
 * Staff accounts as CSV (export and bulk import), as pure functions: no database, no I/O.
 *
 * Columns, in this order: 操作, ログインID, 氏名, メールアドレス, 権限, 所属, チーム
 * - 操作: 空欄 = 登録 or 更新 depending on whether the login id exists; 登録 (must be new);
 *   更新 (must exist); 削除 (must exist; the other columns of the row are ignored).
 * - 権限: 管理者 / 職員 / 委託事業者 / 閲覧者.
 * - 所属: organisation codes joined by `;`; チーム: team names joined by `;` (each must exist; may
 *   be empty). A team name containing `;` therefore cannot be given in the file.
 *
 * Bytes ↔ table conversion is `toCsv` / `parseCsv` in platform/http/csv.ts; this module works on
 * the table (`string[][]`, header first).
 */
import { z } from 'zod';
import { ROLE_LABELS } from '../../contracts/features.js';
import { unneutraliseCell } from '../../platform/http/csv.js';

export type StaffRole = keyof typeof ROLE_LABELS;

const COL = {
  op: '操作',
  loginId: 'ログインID',
  displayName: '氏名',
  email: 'メールアドレス',
  role: '権限',
  organisations: '所属',
  teams: 'チーム',
} as const;
type ColKey = keyof typeof COL;
const COL_KEYS = Object.keys(COL) as ColKey[];

export const STAFF_CSV_HEADER: readonly string[] = Object.freeze(COL_KEYS.map((k) => COL[k]));

export interface StaffCsvRecord {
  id: string;
  loginId: string;
  displayName: string;
  email: string | null;
  role: 'administrator' | 'staff' | 'operator' | 'viewer';
  organisationCodes: string[];
  teamNames: string[];
}

export type PlannedChange =
  | {
      row: number;
      action: 'create';
      loginId: string;
      displayName: string;
      email: string | null;
      role: StaffRole;
      organisationCodes: string[];
      teamNames: string[];
    }
  | {
      row: number;
      action: 'update';
      id: string;
      loginId: string;
      displayName: string;
      email: string | null;
      role: StaffRole;
      organisationCodes: string[];
      teamNames: string[];
    }
  | { row: number; action: 'delete'; id: string; loginId: string }
  | { row: number; action: 'unchanged'; id: string; loginId: string };

/**
 * One problem in the file. `row` is the spreadsheet row number (the header is row 1); `column` is
 * the column's Japanese name, or null for a problem with the whole row or file; `message` is plain
 * Japanese, starts with the row (and column), and can be shown to staff as it is.
 */
export interface RowError {
  row: number;
  column: string | null;
  message: string;
}

export interface StaffImportPlan {
  changes: PlannedChange[];
  errors: RowError[];
  summary: { create: number; update: number; delete: number; unchanged: number };
}

export interface StaffImportContext {
  /** Every staff account of the tenant. */
  existing: StaffCsvRecord[];
  /** Codes of the tenant's organisations (所属). */
  organisationCodes: ReadonlySet<string>;
  /** Names of the tenant's teams (チーム). */
  teamNames: ReadonlySet<string>;
  /** The account doing the import (may not delete itself); null for e.g. vendor support. */
  actingStaffId: string | null;
  /** Most data rows accepted in one file; default 5,000. */
  maxRows?: number;
}

export const STAFF_CSV_MAX_ROWS = 5000;
const LOGIN_ID_RE = /^[A-Za-z0-9._@-]{3,64}$/;
const DISPLAY_NAME_MAX = 100;
const EMAIL_MAX = 254;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const ROLE_CHOICES = Object.values(ROLE_LABELS).join('・');
const ROLE_BY_LABEL = new Map<string, StaffRole>(
  (Object.entries(ROLE_LABELS) as [StaffRole, string][]).map(([role, label]) => [label, role]),
);
type Op = 'upsert' | 'create' | 'update' | 'delete';
const OPS = new Map<string, Op>([
  ['', 'upsert'],
  ['登録', 'create'],
  ['更新', 'update'],
  ['削除', 'delete'],
]);
const emailSchema = z.email();

/** Export rows: the header, then one row per account with 操作 empty (so re-importing is an upsert). */
export function staffToCsvRows(staff: StaffCsvRecord[]): string[][] {
  return [
    [...STAFF_CSV_HEADER],
    ...staff.map((s) => [
      '',
      s.loginId,
      s.displayName,
      s.email ?? '',
      ROLE_LABELS[s.role],
      s.organisationCodes.join(';'),
      s.teamNames.join(';'),
    ]),
  ];
}

/** Spreadsheet column letter for a 0-based index (0 → A, 26 → AA). */
function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

const fmt = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const charCount = (s: string) => [...s].length;
const quoteList = (items: string[]) => items.map((i) => `「${i}」`).join('');
const sameSet = (a: string[], b: string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};
const splitList = (v: string) => [
  ...new Set(
    v
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  ),
];
const SEPARATOR_HINT = /[；、，,]/;

/**
 * Checks an uploaded staff table (header first, as from `parseCsv`) against the tenant and plans
 * what importing it would do. Every problem is collected (it does not stop at the first), each
 * with its spreadsheet row and column and a Japanese message.
 *
 * **When `errors` is not empty the caller must apply nothing** — not even the rows that are
 * fine: the import is all or nothing, so a corrected file can simply be uploaded again.
 * `changes` then lists only the rows without problems, for a preview.
 *
 * Rules: the header must name exactly the seven columns (in any order; a missing, unknown or
 * repeated column is reported on row 1 and the rows are not checked); at most `maxRows` (5,000)
 * data rows (beyond that only that error is reported); rows whose cells are all empty are
 * skipped; login ids are compared case-insensitively within the file and the tenant, and a
 * repeated one is reported on the later row, naming the earlier; the acting account cannot be
 * deleted; deletions and role changes may not leave the tenant without an administrator; an
 * update identical to the stored account is planned as `unchanged`.
 *
 * Cells are trimmed, and a leading `'` added by our export against CSV injection is removed.
 * Row numbers count CSV records; `parseCsv` skips completely empty lines, so for a file edited
 * in a text editor a row number may be smaller than the text line number.
 */
export function planStaffImport(table: string[][], ctx: StaffImportContext): StaffImportPlan {
  const errors: RowError[] = [];
  const fail = (row: number, column: string | null, text: string) => {
    errors.push({ row, column, message: column ? `${row}行目 ${column}: ${text}` : `${row}行目: ${text}` });
  };
  const result = (changes: PlannedChange[]): StaffImportPlan => {
    const summary = { create: 0, update: 0, delete: 0, unchanged: 0 };
    for (const c of changes) summary[c.action]++;
    errors.sort((a, b) => a.row - b.row);
    return { changes, errors, summary };
  };

  // ---- header ----
  const header = table[0];
  if (!header || header.every((h) => h.trim() === '')) {
    fail(1, null, `見出しの行がありません。1行目に「${STAFF_CSV_HEADER.join(',')}」を入れてください`);
    return result([]);
  }
  const colIndex = new Map<ColKey, number>();
  const keyByName = new Map<string, ColKey>(COL_KEYS.map((k) => [COL[k], k]));
  header.forEach((raw, j) => {
    const name = raw.trim();
    if (name === '') return;
    const key = keyByName.get(name);
    if (!key) {
      fail(
        1,
        name,
        `列「${name}」（${columnLetter(j)}列）は使えません。使える列は ${STAFF_CSV_HEADER.join('・')} です`,
      );
    } else if (colIndex.has(key)) {
      fail(
        1,
        name,
        `列「${name}」が2回あります（${columnLetter(colIndex.get(key)!)}列と${columnLetter(j)}列）。1つにしてください`,
      );
    } else {
      colIndex.set(key, j);
    }
  });
  for (const k of COL_KEYS) {
    if (!colIndex.has(k))
      fail(1, COL[k], `列「${COL[k]}」がありません。見出しの行に「${COL[k]}」の列を加えてください`);
  }
  if (errors.length > 0) return result([]);
  const mapped = new Set(colIndex.values());

  // ---- size ----
  const maxRows = ctx.maxRows ?? STAFF_CSV_MAX_ROWS;
  const isBlank = (r: string[]) => r.every((c) => c.trim() === '');
  let dataRows = 0;
  let firstExcessRow = 0;
  for (let i = 1; i < table.length; i++) {
    if (isBlank(table[i]!)) continue;
    dataRows++;
    if (dataRows === maxRows + 1) firstExcessRow = i + 1;
  }
  if (dataRows > maxRows) {
    fail(
      firstExcessRow,
      null,
      `データが${fmt(dataRows)}行あります。一度に取り込めるのは${fmt(maxRows)}行までです。ファイルを分けて取り込んでください`,
    );
    return result([]);
  }

  // ---- rows ----
  const existingByLogin = new Map(ctx.existing.map((s) => [s.loginId.toLowerCase(), s]));
  const firstRowOfLogin = new Map<string, number>();
  const changes: PlannedChange[] = [];

  for (let i = 1; i < table.length; i++) {
    const cells = table[i]!;
    const row = i + 1;
    if (isBlank(cells)) continue;
    const errorsBefore = errors.length;
    const cell = (k: ColKey) => unneutraliseCell(cells[colIndex.get(k)!] ?? '').trim();

    cells.forEach((v, j) => {
      if (!mapped.has(j) && v.trim() !== '') {
        fail(
          row,
          null,
          `見出しのない${columnLetter(j)}列に値「${v.trim()}」が入っています。不要な値を消してください`,
        );
      }
    });

    // 操作
    const opText = cell('op');
    const op = OPS.get(opText);
    if (!op) {
      fail(row, COL.op, `「${opText}」は指定できません。空欄・登録・更新・削除のいずれかを入力してください`);
    }

    // ログインID
    const loginId = cell('loginId');
    let loginOk = false;
    if (loginId === '') {
      fail(row, COL.loginId, 'ログインIDを入力してください');
    } else if (!LOGIN_ID_RE.test(loginId)) {
      const bad = [...new Set([...loginId].filter((c) => !/[A-Za-z0-9._@-]/.test(c)))];
      if (bad.length > 0 && LOGIN_ID_RE.test(loginId.normalize('NFKC'))) {
        fail(row, COL.loginId, `「${loginId}」に全角の文字が含まれています。半角で入力してください`);
      } else if (bad.length > 0) {
        fail(
          row,
          COL.loginId,
          `「${loginId}」に使えない文字${quoteList(bad)}が含まれています。半角英数字と「.」「_」「@」「-」だけが使えます`,
        );
      } else if (loginId.length < 3) {
        fail(row, COL.loginId, `「${loginId}」は短すぎます。3文字以上で入力してください`);
      } else {
        fail(row, COL.loginId, `64文字以内で入力してください（${loginId.length}文字です）`);
      }
    } else {
      loginOk = true;
    }
    const loginKey = loginId.toLowerCase();
    let duplicate = false;
    if (loginOk) {
      const earlier = firstRowOfLogin.get(loginKey);
      if (earlier !== undefined) {
        duplicate = true;
        fail(
          row,
          COL.loginId,
          `「${loginId}」は${earlier}行目と重複しています。1人の職員は1行にまとめてください（大文字・小文字は区別しません）`,
        );
      } else {
        firstRowOfLogin.set(loginKey, row);
      }
    }
    const existing = loginOk ? existingByLogin.get(loginKey) : undefined;

    // 削除: only the login id matters.
    if (op === 'delete') {
      if (!loginOk || duplicate) continue;
      if (!existing) {
        fail(row, COL.loginId, `「${loginId}」の職員は登録されていないため削除できません`);
      } else if (ctx.actingStaffId !== null && existing.id === ctx.actingStaffId) {
        fail(row, COL.op, 'ご自身のアカウントは削除できません');
      } else if (errors.length === errorsBefore) {
        changes.push({ row, action: 'delete', id: existing.id, loginId: existing.loginId });
      }
      continue;
    }

    if (loginOk && !duplicate) {
      if (op === 'create' && existing) {
        fail(
          row,
          COL.loginId,
          `「${loginId}」は既に登録されています。内容を変更する場合は、操作を「更新」か空欄にしてください`,
        );
      } else if (op === 'update' && !existing) {
        fail(
          row,
          COL.loginId,
          `「${loginId}」の職員は登録されていません。新しく登録する場合は、操作を「登録」か空欄にしてください`,
        );
      }
    }

    // 氏名
    const displayName = cell('displayName');
    if (displayName === '') {
      fail(row, COL.displayName, '氏名を入力してください');
    } else if (charCount(displayName) > DISPLAY_NAME_MAX) {
      fail(
        row,
        COL.displayName,
        `${DISPLAY_NAME_MAX}文字以内で入力してください（${charCount(displayName)}文字です）`,
      );
    } else if (CONTROL_CHARS.test(displayName)) {
      fail(row, COL.displayName, '改行やタブは使えません。1行で入力してください');
    }

    // メールアドレス
    const emailText = cell('email');
    const email = emailText === '' ? null : emailText;
    if (email !== null && (email.length > EMAIL_MAX || !emailSchema.safeParse(email).success)) {
      fail(
        row,
        COL.email,
        `「${email}」はメールアドレスの形式になっていません。半角で「name@example.lg.jp」のように入力するか、空欄にしてください`,
      );
    }

    // 権限
    const roleText = cell('role');
    const role = ROLE_BY_LABEL.get(roleText);
    if (roleText === '') {
      fail(row, COL.role, `権限を入力してください。${ROLE_CHOICES}のいずれかを入力してください`);
    } else if (!role) {
      fail(row, COL.role, `「${roleText}」は指定できません。${ROLE_CHOICES}のいずれかを入力してください`);
    }

    // 所属・チーム
    const checkList = (k: 'organisations' | 'teams', known: ReadonlySet<string>, what: string) => {
      const items = splitList(cell(k));
      const unknown = items.filter((x) => !known.has(x));
      if (unknown.length > 0) {
        const hint = unknown.some((x) => SEPARATOR_HINT.test(x))
          ? '。複数を指定するときは半角の「;」で区切ってください'
          : '';
        fail(row, COL[k], `${what}${quoteList(unknown)}は登録されていません${hint}`);
      }
      return items;
    };
    const organisationCodes = checkList('organisations', ctx.organisationCodes, '組織コード');
    const teamNames = checkList('teams', ctx.teamNames, 'チーム');

    if (errors.length > errorsBefore || !role || !op) continue;
    const fields = { displayName, email, role, organisationCodes, teamNames };
    if (!existing) {
      changes.push({ row, action: 'create', loginId, ...fields });
    } else if (
      existing.displayName === displayName &&
      (existing.email ?? null) === email &&
      existing.role === role &&
      sameSet(existing.organisationCodes, organisationCodes) &&
      sameSet(existing.teamNames, teamNames)
    ) {
      changes.push({ row, action: 'unchanged', id: existing.id, loginId: existing.loginId });
    } else {
      changes.push({ row, action: 'update', id: existing.id, loginId: existing.loginId, ...fields });
    }
  }

  // ---- at least one administrator must remain ----
  const existingById = new Map(ctx.existing.map((s) => [s.id, s]));
  let admins = ctx.existing.filter((s) => s.role === 'administrator').length;
  const removals: PlannedChange[] = [];
  for (const c of changes) {
    const before = 'id' in c ? existingById.get(c.id)?.role : undefined;
    if (c.action === 'create' && c.role === 'administrator') admins++;
    if (c.action === 'delete' && before === 'administrator') {
      admins--;
      removals.push(c);
    }
    if (c.action === 'update') {
      if (before !== 'administrator' && c.role === 'administrator') admins++;
      if (before === 'administrator' && c.role !== 'administrator') {
        admins--;
        removals.push(c);
      }
    }
  }
  if (admins <= 0 && removals.length > 0) {
    for (const c of removals) {
      if (c.action === 'delete') {
        fail(
          c.row,
          COL.op,
          `管理者「${c.loginId}」を削除すると、管理者が1人もいなくなります。管理者を少なくとも1人残してください`,
        );
      } else if (c.action === 'update') {
        fail(
          c.row,
          COL.role,
          `管理者「${c.loginId}」の権限を「${ROLE_LABELS[c.role]}」に変えると、管理者が1人もいなくなります。管理者を少なくとも1人残してください`,
        );
      }
    }
    const removed = new Set(removals);
    return result(changes.filter((c) => !removed.has(c)));
  }
  return result(changes);
}
