import { describe, it, expect } from 'vitest';
import { parseCsv, toCsv } from '../../platform/http/csv.js';
import {
  STAFF_CSV_HEADER,
  planStaffImport,
  staffToCsvRows,
  type PlannedChange,
  type StaffCsvRecord,
} from './staff-csv.js';

const H = [...STAFF_CSV_HEADER];

const existing: StaffCsvRecord[] = [
  {
    id: 'id-admin',
    loginId: 'admin',
    displayName: '管理 太郎',
    email: 'admin@city.example.lg.jp',
    role: 'administrator',
    organisationCodes: ['soumu'],
    teamNames: [],
  },
  {
    id: 'id-sato',
    loginId: 'Sato.Hanako',
    displayName: '佐藤 花子',
    email: null,
    role: 'staff',
    organisationCodes: ['soumu', 'kikaku'],
    teamNames: ['防災班'],
  },
  {
    id: 'id-ito',
    loginId: 'ito',
    displayName: '伊藤 一郎',
    email: 'ito@city.example.lg.jp',
    role: 'viewer',
    organisationCodes: [],
    teamNames: [],
  },
  {
    id: 'id-ops',
    loginId: 'ops-vendor',
    displayName: '委託 業者',
    email: null,
    role: 'operator',
    organisationCodes: ['kikaku'],
    teamNames: ['広報チーム'],
  },
];

const ctx = {
  existing,
  organisationCodes: new Set(['soumu', 'kikaku', 'bousai']),
  teamNames: new Set(['防災班', '広報チーム']),
  actingStaffId: 'id-admin',
};

const messages = (r: { errors: { message: string }[] }) => r.errors.map((e) => e.message);

describe('staffToCsvRows', () => {
  it('writes the header and one row per account with 操作 empty', () => {
    expect(H).toEqual(['操作', 'ログインID', '氏名', 'メールアドレス', '権限', '所属', 'チーム']);
    expect(staffToCsvRows(existing.slice(0, 2))).toEqual([
      H,
      ['', 'admin', '管理 太郎', 'admin@city.example.lg.jp', '管理者', 'soumu', ''],
      ['', 'Sato.Hanako', '佐藤 花子', '', '職員', 'soumu;kikaku', '防災班'],
    ]);
  });
});

describe('planStaffImport', () => {
  it('plans creates, updates, deletes and unchanged rows as the file says', () => {
    const r = planStaffImport(
      [
        H,
        ['', 'new.one', '新規 一', 'new@city.example.lg.jp', '職員', 'bousai', '防災班'],
        ['登録', 'new-two', '新規 二', '', '閲覧者', '', ''],
        ['', 'sato.hanako', '佐藤 花子', '', '委託事業者', 'kikaku;soumu', '防災班'],
        ['更新', 'ito', '伊藤 一郎', 'ito@city.example.lg.jp', '閲覧者', '', ''],
        ['削除', 'OPS-VENDOR', '', '', '', '', ''],
        ['', 'admin', '管理 太郎', 'admin@city.example.lg.jp', '管理者', 'soumu', ''],
      ],
      ctx,
    );
    expect(r.errors).toEqual([]);
    expect(r.summary).toEqual({ create: 2, update: 1, delete: 1, unchanged: 2 });
    expect(r.changes).toEqual<PlannedChange[]>([
      {
        row: 2,
        action: 'create',
        loginId: 'new.one',
        displayName: '新規 一',
        email: 'new@city.example.lg.jp',
        role: 'staff',
        organisationCodes: ['bousai'],
        teamNames: ['防災班'],
      },
      {
        row: 3,
        action: 'create',
        loginId: 'new-two',
        displayName: '新規 二',
        email: null,
        role: 'viewer',
        organisationCodes: [],
        teamNames: [],
      },
      {
        row: 4,
        action: 'update',
        id: 'id-sato',
        loginId: 'Sato.Hanako',
        displayName: '佐藤 花子',
        email: null,
        role: 'operator',
        organisationCodes: ['kikaku', 'soumu'],
        teamNames: ['防災班'],
      },
      { row: 5, action: 'unchanged', id: 'id-ito', loginId: 'ito' },
      { row: 6, action: 'delete', id: 'id-ops', loginId: 'ops-vendor' },
      { row: 7, action: 'unchanged', id: 'id-admin', loginId: 'admin' },
    ]);
  });

  it('treats a changed name, email, organisation or team as an update', () => {
    const base = ['', 'Sato.Hanako', '佐藤 花子', '', '職員', 'soumu;kikaku', '防災班'];
    const variants: [number, string][] = [
      [2, '佐藤 花'],
      [3, 'sato@city.example.lg.jp'],
      [5, 'soumu'],
      [6, ''],
    ];
    for (const [col, value] of variants) {
      const row = [...base];
      row[col] = value;
      const r = planStaffImport([H, row], ctx);
      expect(r.errors).toEqual([]);
      expect(r.changes[0]?.action).toBe('update');
    }
    expect(planStaffImport([H, base], ctx).changes[0]?.action).toBe('unchanged');
  });

  it('finds exactly the one bad row in a 1,000-row file', () => {
    const table: string[][] = [H];
    for (let i = 0; i < 1000; i++) {
      table.push([
        '',
        `user${String(i).padStart(4, '0')}`,
        `職員 ${i}`,
        i % 3 === 0 ? `user${i}@city.example.lg.jp` : '',
        ['管理者', '職員', '委託事業者', '閲覧者'][i % 4]!,
        i % 2 === 0 ? 'soumu;bousai' : '',
        i % 5 === 0 ? '防災班' : '',
      ]);
    }
    table[636]![4] = '管理人'; // spreadsheet row 637
    const r = planStaffImport(table, ctx);
    expect(r.errors).toEqual([
      {
        row: 637,
        column: '権限',
        message:
          '637行目 権限: 「管理人」は指定できません。管理者・職員・委託事業者・閲覧者のいずれかを入力してください',
      },
    ]);
    expect(r.summary.create).toBe(999);
  });

  describe('header', () => {
    it('names a missing column on row 1 and checks no rows', () => {
      const r = planStaffImport(
        [
          ['操作', 'ログインID', '氏名', 'メールアドレス', '所属', 'チーム'],
          ['', 'x', '', '', '', ''],
        ],
        ctx,
      );
      expect(r.errors).toEqual([
        {
          row: 1,
          column: '権限',
          message: '1行目 権限: 列「権限」がありません。見出しの行に「権限」の列を加えてください',
        },
      ]);
      expect(r.changes).toEqual([]);
    });

    it('names an unknown column and a repeated one', () => {
      const r = planStaffImport([[...H, '備考', '氏名']], ctx);
      expect(r.errors.map((e) => [e.row, e.column])).toEqual([
        [1, '備考'],
        [1, '氏名'],
      ]);
      expect(r.errors[0]?.message).toContain('列「備考」（H列）は使えません');
      expect(r.errors[1]?.message).toContain('列「氏名」が2回あります（C列とI列）');
    });

    it('accepts the columns in another order and ignores empty header cells', () => {
      const header = ['ログインID', '権限', '氏名', '操作', 'メールアドレス', 'チーム', '所属', ''];
      const r = planStaffImport([header, ['newbie', '職員', '新人', '', '', '', 'soumu', '']], ctx);
      expect(r.errors).toEqual([]);
      expect(r.changes[0]).toMatchObject({ action: 'create', loginId: 'newbie', role: 'staff' });
    });

    it('reports an empty file', () => {
      expect(planStaffImport([], ctx).errors).toEqual([
        { row: 1, column: null, message: expect.stringContaining('見出しの行がありません') },
      ]);
    });
  });

  it('refuses more than maxRows data rows', () => {
    const rows = Array.from({ length: 4 }, (_, i) => ['', `u${i}00`, '名前', '', '職員', '', '']);
    expect(planStaffImport([H, ...rows], { ...ctx, maxRows: 4 }).errors).toEqual([]);
    const r = planStaffImport([H, ...rows, ['', 'u500', '名前', '', '職員', '', '']], { ...ctx, maxRows: 4 });
    expect(r.errors).toEqual([
      {
        row: 6,
        column: null,
        message:
          '6行目: データが5行あります。一度に取り込めるのは4行までです。ファイルを分けて取り込んでください',
      },
    ]);
    expect(r.changes).toEqual([]);
  });

  it('defaults to 5,000 rows', () => {
    const rows = Array.from({ length: 5001 }, (_, i) => ['', `user${i}`, '名前', '', '職員', '', '']);
    expect(messages(planStaffImport([H, ...rows], ctx))).toEqual([
      '5002行目: データが5,001行あります。一度に取り込めるのは5,000行までです。ファイルを分けて取り込んでください',
    ]);
  });

  it('checks 操作 against the accounts that exist', () => {
    const r = planStaffImport(
      [
        H,
        ['登録', 'ADMIN', '管理 太郎', '', '管理者', '', ''],
        ['更新', 'nobody', '誰か', '', '職員', '', ''],
        ['削除', 'ghost', '', '', '', '', ''],
        ['追加', 'someone', '誰か', '', '職員', '', ''],
        ['constructor', 'someone2', '誰か', '', '職員', '', ''],
      ],
      ctx,
    );
    expect(r.errors).toEqual([
      {
        row: 2,
        column: 'ログインID',
        message:
          '2行目 ログインID: 「ADMIN」は既に登録されています。内容を変更する場合は、操作を「更新」か空欄にしてください',
      },
      {
        row: 3,
        column: 'ログインID',
        message:
          '3行目 ログインID: 「nobody」の職員は登録されていません。新しく登録する場合は、操作を「登録」か空欄にしてください',
      },
      {
        row: 4,
        column: 'ログインID',
        message: '4行目 ログインID: 「ghost」の職員は登録されていないため削除できません',
      },
      {
        row: 5,
        column: '操作',
        message: '5行目 操作: 「追加」は指定できません。空欄・登録・更新・削除のいずれかを入力してください',
      },
      {
        row: 6,
        column: '操作',
        message:
          '6行目 操作: 「constructor」は指定できません。空欄・登録・更新・削除のいずれかを入力してください',
      },
    ]);
    expect(r.changes).toEqual([]);
  });

  it('validates login ids', () => {
    const r = planStaffImport(
      [
        H,
        ['', '', '名前', '', '職員', '', ''],
        ['', 'ab', '名前', '', '職員', '', ''],
        ['', 'a'.repeat(65), '名前', '', '職員', '', ''],
        ['', 'yamada taro', '名前', '', '職員', '', ''],
        ['', 'ｙａｍａｄａ', '名前', '', '職員', '', ''],
        ['', 'ok_id@x-y.z', '名前', '', '職員', '', ''],
      ],
      ctx,
    );
    expect(messages(r)).toEqual([
      '2行目 ログインID: ログインIDを入力してください',
      '3行目 ログインID: 「ab」は短すぎます。3文字以上で入力してください',
      '4行目 ログインID: 64文字以内で入力してください（65文字です）',
      '5行目 ログインID: 「yamada taro」に使えない文字「 」が含まれています。半角英数字と「.」「_」「@」「-」だけが使えます',
      '6行目 ログインID: 「ｙａｍａｄａ」に全角の文字が含まれています。半角で入力してください',
    ]);
    expect(r.changes.map((c) => c.loginId)).toEqual(['ok_id@x-y.z']);
  });

  it('reports a login id repeated in the file on the later row, naming the earlier one', () => {
    const r = planStaffImport(
      [
        H,
        ['', 'tanaka', '田中', '', '職員', '', ''],
        ['', 'suzuki', '鈴木', '', '職員', '', ''],
        ['', 'Tanaka', '田中', '', '閲覧者', '', ''],
      ],
      ctx,
    );
    expect(r.errors).toEqual([
      {
        row: 4,
        column: 'ログインID',
        message:
          '4行目 ログインID: 「Tanaka」は2行目と重複しています。1人の職員は1行にまとめてください（大文字・小文字は区別しません）',
      },
    ]);
  });

  it('validates 氏名, メールアドレス and 権限', () => {
    const r = planStaffImport(
      [
        H,
        ['', 'user1', '', 'not-an-email', '', '', ''],
        ['', 'user2', 'あ'.repeat(101), 'a@b', '管理人', '', ''],
        ['', 'user3', 'あ'.repeat(100), 'ok@city.example.lg.jp', '閲覧者', '', ''],
        ['', 'user4', '改行\nあり', '', '職員', '', ''],
      ],
      ctx,
    );
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [2, '氏名'],
      [2, 'メールアドレス'],
      [2, '権限'],
      [3, '氏名'],
      [3, 'メールアドレス'],
      [3, '権限'],
      [5, '氏名'],
    ]);
    expect(messages(r)).toEqual([
      '2行目 氏名: 氏名を入力してください',
      '2行目 メールアドレス: 「not-an-email」はメールアドレスの形式になっていません。半角で「name@example.lg.jp」のように入力するか、空欄にしてください',
      '2行目 権限: 権限を入力してください。管理者・職員・委託事業者・閲覧者のいずれかを入力してください',
      '3行目 氏名: 100文字以内で入力してください（101文字です）',
      '3行目 メールアドレス: 「a@b」はメールアドレスの形式になっていません。半角で「name@example.lg.jp」のように入力するか、空欄にしてください',
      '3行目 権限: 「管理人」は指定できません。管理者・職員・委託事業者・閲覧者のいずれかを入力してください',
      '5行目 氏名: 改行やタブは使えません。1行で入力してください',
    ]);
    expect(r.changes).toEqual([expect.objectContaining({ row: 4, action: 'create', loginId: 'user3' })]);
  });

  it('checks organisation codes and team names, listing every unknown one', () => {
    const r = planStaffImport(
      [
        H,
        ['', 'user1', '名前', '', '職員', 'soumu;zaimu;kikaku;keiri', '防災班;存在しない班'],
        ['', 'user2', '名前', '', '職員', 'soumu；kikaku', ''],
        ['', 'user3', '名前', '', '職員', ' soumu ; ;kikaku;soumu ', '広報チーム'],
      ],
      ctx,
    );
    expect(messages(r)).toEqual([
      '2行目 所属: 組織コード「zaimu」「keiri」は登録されていません',
      '2行目 チーム: チーム「存在しない班」は登録されていません',
      '3行目 所属: 組織コード「soumu；kikaku」は登録されていません。複数を指定するときは半角の「;」で区切ってください',
    ]);
    expect(r.changes).toEqual([
      expect.objectContaining({ row: 4, organisationCodes: ['soumu', 'kikaku'], teamNames: ['広報チーム'] }),
    ]);
  });

  it('does not let the acting administrator delete their own account', () => {
    const r = planStaffImport([H, ['削除', 'admin', '', '', '', '', '']], ctx);
    expect(r.errors).toEqual([
      { row: 2, column: '操作', message: '2行目 操作: ご自身のアカウントは削除できません' },
    ]);
  });

  it('does not let the tenant lose its last administrator by deletion or demotion', () => {
    const noActor = { ...ctx, actingStaffId: null };
    const del = planStaffImport([H, ['削除', 'admin', '', '', '', '', '']], noActor);
    expect(del.errors).toEqual([
      {
        row: 2,
        column: '操作',
        message:
          '2行目 操作: 管理者「admin」を削除すると、管理者が1人もいなくなります。管理者を少なくとも1人残してください',
      },
    ]);
    expect(del.changes).toEqual([]);

    const demote = planStaffImport(
      [H, ['', 'admin', '管理 太郎', 'admin@city.example.lg.jp', '職員', 'soumu', '']],
      ctx,
    );
    expect(demote.errors).toEqual([
      {
        row: 2,
        column: '権限',
        message:
          '2行目 権限: 管理者「admin」の権限を「職員」に変えると、管理者が1人もいなくなります。管理者を少なくとも1人残してください',
      },
    ]);

    // Fine when another administrator is promoted or created in the same file.
    const handOver = planStaffImport(
      [
        H,
        ['', 'admin', '管理 太郎', 'admin@city.example.lg.jp', '職員', 'soumu', ''],
        ['', 'ito', '伊藤 一郎', 'ito@city.example.lg.jp', '管理者', '', ''],
      ],
      ctx,
    );
    expect(handOver.errors).toEqual([]);
    expect(handOver.summary).toEqual({ create: 0, update: 2, delete: 0, unchanged: 0 });
    const viaNew = planStaffImport(
      [H, ['削除', 'admin', '', '', '', '', ''], ['', 'boss', '新 管理者', '', '管理者', '', '']],
      noActor,
    );
    expect(viaNew.errors).toEqual([]);
  });

  it('collects every error of every row, in row order', () => {
    const r = planStaffImport(
      [
        H,
        ['何か', 'a', '', 'x', '王様', 'nope', 'none'],
        ['', 'fine.user', '良い', '', '職員', '', ''],
        ['削除', 'admin', '', '', '', '', '', '余分'],
      ],
      ctx,
    );
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [2, '操作'],
      [2, 'ログインID'],
      [2, '氏名'],
      [2, 'メールアドレス'],
      [2, '権限'],
      [2, '所属'],
      [2, 'チーム'],
      [4, null],
      [4, '操作'],
    ]);
    expect(r.errors[7]?.message).toBe(
      '4行目: 見出しのないH列に値「余分」が入っています。不要な値を消してください',
    );
    expect(r.changes.map((c) => c.row)).toEqual([3]);
  });

  it('skips rows whose cells are all empty but keeps spreadsheet row numbers', () => {
    const r = planStaffImport(
      [H, ['', '', '', '', '', '', ''], [' ', '', '', '', '', '', ''], ['', 'x'], ['']],
      ctx,
    );
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [4, 'ログインID'],
      [4, '氏名'],
      [4, '権限'],
    ]);
  });

  it('reads cells our export protected against CSV injection', () => {
    const table = parseCsv(
      toCsv([H, ['', '-dash.user', '=SUM(A1)', '', '職員', '', '']], { encoding: 'utf8' }),
    ).rows;
    expect(table[1]?.[1]).toBe("'-dash.user");
    const r = planStaffImport(table, ctx);
    expect(r.errors).toEqual([]);
    expect(r.changes[0]).toMatchObject({ loginId: '-dash.user', displayName: '=SUM(A1)' });
  });
});

describe('export → CSV → import round trip', () => {
  const tricky: StaffCsvRecord[] = [
    ...existing,
    {
      id: 'id-tricky',
      loginId: '-hyphen@start',
      displayName: '髙橋 ①子, "愛称" =1+1',
      email: null,
      role: 'staff',
      organisationCodes: ['bousai', 'soumu'],
      teamNames: ['防災班', '広報チーム'],
    },
  ];

  for (const encoding of ['utf8', 'sjis'] as const) {
    it(`gives only 'unchanged' (${encoding})`, () => {
      const parsed = parseCsv(toCsv(staffToCsvRows(tricky), { encoding }));
      expect(parsed.encoding).toBe(encoding);
      const r = planStaffImport(parsed.rows, { ...ctx, existing: tricky });
      expect(r.errors).toEqual([]);
      expect(r.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: tricky.length });
      expect(r.changes.every((c) => c.action === 'unchanged')).toBe(true);
    });
  }
});
