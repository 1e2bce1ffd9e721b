import {
  DEFAULT_FORM_SETTINGS,
  evaluateForm,
  parseFormDefinition,
  type FormDefinitionInput,
  type FormSettings,
} from '@tsunagu/server/contracts';
import { describe, expect, it } from 'vitest';
import {
  conditionPaths,
  dateBoundText,
  describeCondition,
  formatDateBound,
  fromEdit,
  newGroup,
  newLeaf,
  nodeForPath,
  opsFor,
  parseDateBound,
  retarget,
  toEdit,
  valueKind,
  whenClause,
} from './conditions';
import {
  addressTargets,
  conditionCandidates,
  dependentsOf,
  duplicateItem,
  duplicatePage,
  duplicateSection,
  emptyDraft,
  findItem,
  fromDefinition,
  itemByCode,
  moveInList,
  moveItemToSection,
  newItem,
  newSection,
  nextCode,
  placeErrors,
  removeItem,
  toDefinition,
  type Draft,
} from './draft';
import {
  addEntry,
  compileDefinition,
  errorsByPath,
  filledAddress,
  getAt,
  hierarchyLevels,
  initialAnswers,
  messagesFor,
  pageOfPath,
  postalFills,
  previewFiles,
  removeEntry,
  setAt,
  shownErrors,
  visiblePages,
} from './preview';
import {
  completionText,
  fromJstLocal,
  fromSettingsForm,
  parseEmails,
  toJstLocal,
  toSettingsForm,
} from './settings';

const NOW = new Date('2026-04-01T03:00:00Z'); // 2026-04-01 12:00 JST

/** A form like the one staff build in the browser test: a conditional section, a repeat, postal code. */
const DEF: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '申込者',
      sections: [
        {
          code: 's1',
          items: [
            { type: 'shortText', code: 'name', label: 'お名前', required: true },
            { type: 'birthday', code: 'birth', label: '生年月日' },
            { type: 'postalCode', code: 'zip', label: '郵便番号', fillAddress: 'home' },
            { type: 'address', code: 'home', label: '住所' },
            {
              type: 'singleChoice',
              code: 'kids',
              label: 'お子さまはいますか',
              options: [
                { code: 'yes', label: 'いる' },
                { code: 'no', label: 'いない' },
              ],
            },
          ],
        },
        {
          code: 's2',
          title: 'お子さま',
          showWhen: { op: 'and', conditions: [{ op: 'in', item: 'kids', values: ['yes'] }] },
          repeat: { min: 1, max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'child', label: 'お子さまのお名前', required: true },
            { type: 'file', code: 'photo', label: '写真', accept: ['image'], maxFiles: 1, maxSizeMb: 1 },
          ],
        },
      ],
    },
    {
      code: 'p2',
      title: '確認',
      sections: [{ code: 's3', items: [{ type: 'longText', code: 'memo', label: 'ご意見' }] }],
    },
  ],
};

function draftOf(def: FormDefinitionInput = DEF): Draft {
  const parsed = parseFormDefinition(def);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return fromDefinition(parsed.definition);
}

describe('draft ⇄ definition', () => {
  it('round-trips a definition through the builder unchanged in meaning', () => {
    const def = toDefinition(draftOf());
    const parsed = parseFormDefinition(def);
    expect(parsed.ok).toBe(true);
    const again = parseFormDefinition(DEF);
    expect(parsed.ok && again.ok && parsed.definition).toEqual(again.ok && again.definition);
  });

  it('leaves out settings left empty instead of saving empty values', () => {
    const draft = draftOf();
    const name = itemByCode(draft, 'name')!;
    Object.assign(name.item, { placeholder: '', minLength: null, maxLength: Number.NaN });
    const item = toDefinition(draft).pages[0]!.sections[0]!.items[0] as Record<string, unknown>;
    expect(item).not.toHaveProperty('placeholder');
    expect(item).not.toHaveProperty('minLength');
    expect(item).not.toHaveProperty('maxLength');
  });

  it('starts an empty form with one page and one section, valid as it is', () => {
    const draft = emptyDraft();
    expect(draft.pages).toHaveLength(1);
    expect(draft.pages[0]!.sections).toHaveLength(1);
    expect(parseFormDefinition(toDefinition(draft)).ok).toBe(true);
  });

  it('creates every item type valid as it is, except an image (which needs a picture)', () => {
    const draft = emptyDraft();
    const section = draft.pages[0]!.sections[0]!;
    const types = [
      'shortText',
      'longText',
      'number',
      'email',
      'phone',
      'postalCode',
      'address',
      'date',
      'birthday',
      'singleChoice',
      'multipleChoice',
      'dropdown',
      'hierarchyChoice',
      'file',
      'location',
      'description',
    ] as const;
    for (const t of types) section.items.push(newItem(draft, t));
    const parsed = parseFormDefinition(toDefinition(draft));
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    expect(new Set(section.items.map((d) => d.item.code)).size).toBe(types.length);
    expect(itemByCode(draft, section.items[5]!.item.code)!.item).toMatchObject({
      type: 'postalCode',
      personal: true,
    });
    section.items.push(newItem(draft, 'image'));
    const withImage = parseFormDefinition(toDefinition(draft));
    expect(withImage.ok).toBe(false);
  });

  it('hands out codes above the highest in use, never a removed one again', () => {
    const used = new Set(['q1', 'q7', 's1']);
    expect(nextCode(used, 'q')).toBe('q8');
    expect(nextCode(used, 'q')).toBe('q9');
    expect(nextCode(used, 'p')).toBe('p1');
  });
});

describe('copying, moving and removing', () => {
  it('duplicates an item right after it with a new code and the same settings', () => {
    const draft = draftOf();
    const kids = itemByCode(draft, 'kids')!;
    const copy = duplicateItem(draft, kids.key)!;
    const place = findItem(draft, copy.key)!;
    expect(place.ii).toBe(5);
    expect(copy.item.code).not.toBe('kids');
    expect(copy.item).toMatchObject({ type: 'singleChoice', label: 'お子さまはいますか（コピー）' });
    expect(copy.options.map((o) => o.code)).toEqual(['yes', 'no']);
    expect(copy.options.every((o) => !o.saved)).toBe(true);
    expect(parseFormDefinition(toDefinition(draft)).ok).toBe(true);
  });

  it('duplicates a repeating section with its own codes, its conditions pointing at its own items', () => {
    const draft = draftOf();
    const s2 = draft.pages[0]!.sections[1]!;
    const photo = s2.items[1]!;
    photo.showWhen = newGroup('and', [newLeaf('child', 'shortText')]);
    photo.showWhen.children[0] = {
      ...(photo.showWhen.children[0] as ReturnType<typeof newLeaf>),
      op: 'answered',
    };
    const copy = duplicateSection(draft, s2.key)!;
    const [c1, c2] = copy.items;
    expect(copy.code).not.toBe('s2');
    expect(copy.repeat).toEqual({ min: 1, max: 3, itemName: 'お子さま' });
    expect(c2!.showWhen!.children[0]).toMatchObject({ item: c1!.item.code, op: 'answered' });
    expect(parseFormDefinition(toDefinition(draft)).ok).toBe(true);
  });

  it('duplicates a page with fresh codes for the page, its sections and items', () => {
    const draft = draftOf();
    const copy = duplicatePage(draft, draft.pages[1]!.key)!;
    expect(draft.pages.map((p) => p.code)).toEqual(['p1', 'p2', copy.code]);
    expect(copy.sections[0]!.code).not.toBe('s3');
    expect(copy.sections[0]!.items[0]!.item.code).not.toBe('memo');
    expect(parseFormDefinition(toDefinition(draft)).ok).toBe(true);
  });

  it('names who depends on an item before it is removed', () => {
    const draft = draftOf();
    expect(dependentsOf(draft, 'kids')).toEqual([
      expect.objectContaining({ name: 'お子さま', what: '表示条件' }),
    ]);
    expect(dependentsOf(draft, 'home')).toEqual([
      expect.objectContaining({ name: '郵便番号', what: '住所の自動入力' }),
    ]);
    expect(removeItem(draft, itemByCode(draft, 'memo')!.key)).toBe(true);
    expect(itemByCode(draft, 'memo')).toBeNull();
  });

  it('moves items within a list and to the end of another section', () => {
    const list = ['a', 'b', 'c'];
    expect(moveInList(list, 0, 1)).toBe(1);
    expect(list).toEqual(['b', 'a', 'c']);
    expect(moveInList(list, 0, -1)).toBeNull();
    const draft = draftOf();
    const memo = itemByCode(draft, 'memo')!;
    expect(moveItemToSection(draft, memo.key, draft.pages[0]!.sections[0]!.key)).toBe(true);
    expect(draft.pages[0]!.sections[0]!.items.at(-1)!.item.code).toBe('memo');
  });

  it('adds a repeating section with a maximum of 3', () => {
    const draft = emptyDraft();
    const s = newSection(draft, true);
    expect(s.repeat).toEqual({ min: 0, max: 3, itemName: '' });
    expect(s.code).toBe('s2');
  });
});

describe('conditions', () => {
  it('offers only the operators an item type allows', () => {
    expect(opsFor('singleChoice')).toEqual(['in', 'notIn', 'equals', 'notEquals', 'answered', 'notAnswered']);
    expect(opsFor('birthday')).toContain('gte');
    expect(opsFor('birthday')).toContain('before');
    expect(opsFor('longText')).toEqual(['answered', 'notAnswered']);
    expect(valueKind('gte', 'birthday')).toBe('number');
    expect(valueKind('equals', 'dropdown')).toBe('option');
    expect(valueKind('in', 'multipleChoice')).toBe('options');
  });

  it('saves a group of one row as a group, so messages land on the row', () => {
    const g = newGroup('and', [newLeaf('kids', 'singleChoice')]);
    const c = fromEdit(g, () => 'singleChoice');
    expect(c).toEqual({ op: 'and', conditions: [{ op: 'in', item: 'kids', values: [] }] });
    const paths = conditionPaths(g);
    expect(nodeForPath(paths, 'conditions.0.values')).toBe(g.children[0]!.key);
    expect(nodeForPath(paths, '')).toBe(g.key);
  });

  it('reads and writes 「どれも満たさない」 as not(or) with paths inside', () => {
    const loaded = toEdit({
      op: 'not',
      condition: { op: 'or', conditions: [{ op: 'answered', item: 'a' }] },
    })!;
    expect(loaded.mode).toBe('nor');
    expect(fromEdit(loaded, () => 'shortText')).toEqual({
      op: 'not',
      condition: { op: 'or', conditions: [{ op: 'answered', item: 'a' }] },
    });
    expect(nodeForPath(conditionPaths(loaded), 'condition.conditions.0.item')).toBe(loaded.children[0]!.key);
    // A single comparison saved by someone else opens as a group of one.
    expect(toEdit({ op: 'answered', item: 'a' })).toMatchObject({ mode: 'and', children: [{ item: 'a' }] });
  });

  it('compares numbers as numbers and keeps what is not a number yet for the engine to report', () => {
    const g = newGroup('and', [
      { ...newLeaf('n', 'number'), op: 'equals', value: '３' },
      { ...newLeaf('n', 'number'), op: 'gte', value: '' },
    ]);
    const c = fromEdit(g, () => 'number') as { conditions: Array<{ value: unknown }> };
    expect(c.conditions[0]!.value).toBe(3);
    expect(Number.isNaN(c.conditions[1]!.value)).toBe(true);
  });

  it('keeps a row operator that still fits when the item changes, else takes the default', () => {
    const leaf = { ...newLeaf('a', 'shortText'), op: 'answered' as const };
    expect(retarget(leaf, 'b', 'number')).toMatchObject({ item: 'b', op: 'answered', key: leaf.key });
    expect(retarget({ ...leaf, op: 'equals' }, 'k', 'singleChoice')).toMatchObject({ item: 'k', op: 'in' });
    // 「回答がある」 that was only the address's default gives way to the choice's options.
    const fromAddress = newLeaf('home', 'address');
    expect(fromAddress.op).toBe('answered');
    expect(retarget(fromAddress, 'k', 'singleChoice', 'address')).toMatchObject({ item: 'k', op: 'in' });
    // Chosen on purpose (not the previous item's default), it stays.
    expect(retarget({ ...leaf, op: 'notAnswered' }, 'k', 'singleChoice', 'shortText')).toMatchObject({
      op: 'notAnswered',
    });
  });

  it('reads and writes date limits', () => {
    expect(parseDateBound('today+7')).toEqual({ mode: 'later', date: '', days: 7 });
    expect(parseDateBound('2026-04-01')).toMatchObject({ mode: 'date', date: '2026-04-01' });
    expect(formatDateBound({ mode: 'earlier', date: '', days: 30 })).toBe('today-30');
    expect(dateBoundText('today')).toBe('今日');
    expect(dateBoundText('2026-04-01')).toBe('2026年4月1日');
  });

  it('offers earlier input items only, and items of a repeat only inside it', () => {
    const draft = draftOf();
    const s2 = draft.pages[0]!.sections[1]!;
    const forSection = conditionCandidates(draft, { kind: 'section', key: s2.key }).map((c) => c.code);
    expect(forSection).toEqual(['name', 'birth', 'zip', 'home', 'kids']);
    const forPhoto = conditionCandidates(draft, { kind: 'item', key: s2.items[1]!.key }).map((c) => c.code);
    expect(forPhoto).toEqual(['name', 'birth', 'zip', 'home', 'kids', 'child']);
    const forMemo = conditionCandidates(draft, { kind: 'item', key: itemByCode(draft, 'memo')!.key });
    expect(forMemo.map((c) => c.code)).not.toContain('child');
    expect(conditionCandidates(draft, { kind: 'item', key: itemByCode(draft, 'name')!.key })).toEqual([]);
    expect(forMemo.find((c) => c.code === 'kids')!.options).toEqual([
      { code: 'yes', label: 'いる', depth: 0 },
      { code: 'no', label: 'いない', depth: 0 },
    ]);
  });

  it('leaves staff-only items out of what residents see', () => {
    const draft = draftOf();
    Object.assign(itemByCode(draft, 'kids')!.item, { staffOnly: true });
    const memo = itemByCode(draft, 'memo')!;
    expect(conditionCandidates(draft, { kind: 'item', key: memo.key }).map((c) => c.code)).not.toContain(
      'kids',
    );
    Object.assign(memo.item, { staffOnly: true });
    expect(conditionCandidates(draft, { kind: 'item', key: memo.key }).map((c) => c.code)).toContain('kids');
  });

  it('lists the addresses after a postal code it may fill', () => {
    const draft = draftOf();
    expect(addressTargets(draft, itemByCode(draft, 'zip')!.key)).toEqual([{ code: 'home', label: '住所' }]);
    expect(addressTargets(draft, itemByCode(draft, 'name')!.key)).toEqual([{ code: 'home', label: '住所' }]);
  });

  it('ends a condition in words with 「とき」 as Japanese has it', () => {
    expect(whenClause('「性別」で「女性」のいずれかを選んだ')).toBe(
      '「性別」で「女性」のいずれかを選んだとき',
    );
    expect(whenClause('「生年月日」の年齢が65歳以上')).toBe('「生年月日」の年齢が65歳以上のとき');
    expect(whenClause('「人数」が3より大きい')).toBe('「人数」が3より大きいとき');
  });

  it('says a condition in words', () => {
    const draft = draftOf();
    const names = {
      item: (code: string) => {
        const d = itemByCode(draft, code);
        return d && 'label' in d.item ? { label: d.item.label ?? code, type: d.item.type } : undefined;
      },
      option: (item: string, code: string) =>
        itemByCode(draft, item)?.options.find((o) => o.code === code)?.label,
    };
    expect(
      describeCondition({ op: 'and', conditions: [{ op: 'in', item: 'kids', values: ['yes'] }] }, names),
    ).toBe('「お子さまはいますか」で「いる」のいずれかを選んだ');
    expect(
      describeCondition(
        {
          op: 'or',
          conditions: [
            { op: 'gte', item: 'birth', value: 65 },
            { op: 'answered', item: 'zip' },
          ],
        },
        names,
      ),
    ).toBe('「生年月日」の年齢が65歳以上、または「郵便番号」に回答がある');
  });
});

describe('the engine messages, placed on the builder', () => {
  it('puts a message on the item, the condition row and the summary line', () => {
    const draft = draftOf();
    const s2 = draft.pages[0]!.sections[1]!;
    const name = itemByCode(draft, 'name')!;
    Object.assign(name.item, { label: '' });
    s2.showWhen = newGroup('and', [{ ...newLeaf('kids', 'singleChoice'), values: [] }]);
    const parsed = parseFormDefinition(toDefinition(draft));
    expect(parsed.ok).toBe(false);
    const placed = placeErrors(draft, parsed.ok ? [] : parsed.errors);
    expect(placed).toContainEqual(
      expect.objectContaining({
        key: name.key,
        kind: 'item',
        field: 'label',
        where: '申込者 ›「1行テキスト（name）」',
      }),
    );
    const cond = placed.find((p) => p.key === s2.key)!;
    expect(cond).toMatchObject({ kind: 'section', condKey: s2.showWhen.children[0]!.key });
    expect(cond.message).toBe('選択肢を1つ以上選んでください');
  });

  it('reads the server’s paths under definition.', () => {
    const draft = draftOf();
    const placed = placeErrors(draft, [
      { path: 'definition.pages.1.sections.0.items.0.label', message: 'x' },
      { path: 'definition', message: 'y' },
    ]);
    expect(placed[0]).toMatchObject({ key: itemByCode(draft, 'memo')!.key, kind: 'item' });
    expect(placed[1]).toMatchObject({ key: null, kind: 'form' });
  });
});

describe('the live preview', () => {
  const compiled = compileDefinition(DEF, 1);
  if (!compiled.ok) throw new Error('DEF does not compile');
  const form = compiled.form;
  const evaluate = (answers: Record<string, unknown>) =>
    evaluateForm(form, answers, { audience: 'resident', now: NOW, postalLookup: () => undefined });

  it('says what is wrong with a definition instead of compiling it', () => {
    const r = compileDefinition({ schemaVersion: 1, pages: [] }, 1);
    expect(r.ok).toBe(false);
  });

  it('starts a required repeating section with its minimum of entries', () => {
    expect(initialAnswers(form)).toEqual({ s2: [{}] });
  });

  it('shows the conditional section when its answer is chosen, and the age of a birthday', () => {
    const answers = { ...initialAnswers(form), name: '桑名 花子', birth: '2000-04-02' };
    expect(evaluate(answers).visible.s2).toBe(false);
    const ev = evaluate({ ...answers, kids: 'yes' });
    expect(ev.visible.s2).toBe(true);
    expect(ev.derived.birth).toEqual({ kind: 'age', age: 25 });
  });

  it('adds entries up to the maximum and refuses a fourth', () => {
    const answers: Record<string, unknown> = { s2: [] };
    const section = form.sections.get('s2')!.section;
    expect(addEntry(answers, section)).toBe(true);
    expect(addEntry(answers, section)).toBe(true);
    expect(addEntry(answers, section)).toBe(true);
    expect(addEntry(answers, section)).toBe(false);
    expect(answers.s2).toHaveLength(3);
    removeEntry(answers, 's2', 0);
    expect(answers.s2).toHaveLength(2);
  });

  it('reads and writes answers at engine paths', () => {
    const answers: Record<string, unknown> = { s2: [{}, {}] };
    setAt(answers, 's2.1.child', '太郎');
    setAt(answers, 'home.city', '桑名市');
    expect(getAt(answers, 's2.1.child')).toBe('太郎');
    expect(answers.home).toEqual({ city: '桑名市' });
    setAt(answers, 'home.city', undefined);
    expect(answers.home).toEqual({});
    expect(pageOfPath(form, 's2.1.child')).toBe('p1');
    expect(pageOfPath(form, 'memo')).toBe('p2');
  });

  it('shows messages of fields left, and all of a page once 次へ was pressed', () => {
    const ev = evaluate({ kids: 'yes', s2: [{}], memo: 'x'.repeat(3000) });
    expect(shownErrors(form, ev, new Set(), new Set())).toEqual([]);
    expect(shownErrors(form, ev, new Set(['name']), new Set()).map((e) => e.path)).toEqual(['name']);
    const page1 = shownErrors(form, ev, new Set(), new Set(['p1'])).map((e) => e.path);
    expect(page1).toEqual(['name', 's2.0.child']);
    const by = errorsByPath(ev.errors);
    expect(messagesFor(by, 's2.0')).toEqual(['入力してください']);
    expect(visiblePages(form, ev)).toEqual(['p1', 'p2']);
  });

  it('fills the address once per postal code and keeps what the resident typed', () => {
    const lookup = () => [{ postalCode: '511-8601', prefecture: '三重県', city: '桑名市', town: '中央町' }];
    const answers = { zip: '５１１８６０１', home: { building: '2階' } };
    const ev = evaluateForm(form, answers, { audience: 'resident', now: NOW, postalLookup: lookup });
    const steps = postalFills(ev, answers, new Map());
    expect(steps).toEqual([
      {
        from: 'zip',
        target: 'home',
        code: '5118601',
        fill: { prefecture: '三重県', city: '桑名市', town: '中央町' },
      },
    ]);
    expect(postalFills(ev, answers, new Map([['zip', '5118601']]))).toEqual([]);
    expect(filledAddress(answers.home, steps[0]!.fill)).toEqual({
      prefecture: '三重県',
      city: '桑名市',
      town: '中央町',
      building: '2階',
    });
  });

  it('checks chosen files against the item’s limits without uploading them', () => {
    const files = previewFiles([{ name: 'big.jpg', size: 2 * 1024 * 1024, type: 'image/jpeg' }]);
    expect(files).toEqual([{ id: 'preview-1', name: 'big.jpg', size: 2097152, type: 'image/jpeg' }]);
    const ev = evaluate({ kids: 'yes', s2: [{ child: '太郎', photo: files }] });
    expect(ev.errors.find((e) => e.path.startsWith('s2.0.photo'))?.message).toContain('1MBを超えています');
  });

  it('lists a hierarchical choice level by level', () => {
    const options = [
      { code: 'n', label: '北部', children: [{ code: 'n1', label: '桜' }] },
      { code: 's', label: '南部' },
    ];
    expect(hierarchyLevels(options, '')).toEqual([{ options, selected: '' }]);
    expect(hierarchyLevels(options, 'n1').map((l) => l.selected)).toEqual(['n', 'n1']);
    expect(hierarchyLevels(options, 'n')).toHaveLength(2);
    expect(hierarchyLevels(options, 's')).toHaveLength(1);
  });
});

describe('settings', () => {
  it('shows and reads times in Japan time', () => {
    expect(toJstLocal('2026-03-31T15:00:00.000Z')).toBe('2026-04-01T00:00');
    expect(fromJstLocal('2026-04-01T09:00')).toBe('2026-04-01T00:00:00.000Z');
    expect(fromJstLocal('2026-02-30T09:00')).toBeNull();
    expect(toJstLocal(null)).toBe('');
  });

  it('reads addresses one per line, without blanks and repeats', () => {
    expect(parseEmails('a@kuwana.jp\n\nＢ@kuwana.jp, a@kuwana.jp')).toEqual(['a@kuwana.jp', 'B@kuwana.jp']);
  });

  it('checks the settings with the server’s schema before sending and says what to fix', () => {
    const defaults: FormSettings = { ...DEFAULT_FORM_SETTINGS, notifyEmails: [] };
    const f = toSettingsForm(defaults);
    expect(fromSettingsForm(f)).toEqual({ ok: true, settings: defaults });
    const bad = fromSettingsForm({
      ...f,
      opensAt: '2026-04-02T09:00',
      closesAt: '2026-04-01T09:00',
      responseLimit: '0',
      notifyEmails: 'kosodate@kuwana.example.jp\nkosodate@kuwana',
      completionMessage: ' ',
      receiptPrefix: 'r1',
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual({
      closesAt: '受付終了日時は受付開始日時より後にしてください',
      responseLimit: '回答数の上限は1以上にしてください',
      notifyEmails: '「kosodate@kuwana」：メールアドレスの形式が正しくありません',
      completionMessage: '完了メッセージを入力してください',
      receiptPrefix: '受付番号の頭文字は英大文字1〜3文字にしてください',
    });
    const once = fromSettingsForm({ ...f, answersPerResident: 'one', requireLineLogin: false });
    expect(!once.ok && once.errors.requireLineLogin).toContain('LINEログインを必須にしてください');
    const good = fromSettingsForm({
      ...f,
      responseLimit: '１,０００',
      opensAt: '2026-04-01T09:00',
      receiptPrefix: 'kw',
    });
    expect(good).toMatchObject({
      ok: true,
      settings: { responseLimit: 1000, opensAt: '2026-04-01T00:00:00.000Z', receiptPrefix: 'KW' },
    });
  });

  it('writes the completion message as the talk shows it, with an example receipt number', () => {
    expect(completionText('ご回答ありがとうございました。', '子育てアンケート', 'kw', NOW)).toBe(
      'ご回答ありがとうございました。\n\nフォーム：子育てアンケート\n受付番号：KW-2026-000001',
    );
  });
});
