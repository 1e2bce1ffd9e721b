import { describe, it, expect } from 'vitest';
import iconv from 'iconv-lite';
import {
  CsvFormatError,
  contentDisposition,
  csvFileName,
  neutraliseCell,
  parseCsv,
  toCsv,
  unneutraliseCell,
} from './csv.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function expectFormatError(input: Buffer, message: string | RegExp): CsvFormatError {
  let caught: unknown;
  try {
    parseCsv(input);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CsvFormatError);
  expect((caught as CsvFormatError).message).toMatch(message);
  return caught as CsvFormatError;
}

describe('toCsv', () => {
  it('starts UTF-8 output with a BOM and ends every record with CRLF', () => {
    const out = toCsv(
      [
        ['氏名', 'ログインID'],
        ['山田 太郎', 'yamada'],
      ],
      { encoding: 'utf8' },
    );
    expect(out.subarray(0, 3).equals(BOM)).toBe(true);
    expect(out.subarray(3).toString('utf8')).toBe('氏名,ログインID\r\n山田 太郎,yamada\r\n');
  });

  it('writes Shift_JIS (CP932) without a BOM, including CP932 extension characters', () => {
    const out = toCsv([['漢字', '髙橋', '①', '﨑']], { encoding: 'sjis' });
    expect(out[0]).not.toBe(0xef);
    expect(out.equals(iconv.encode('漢字,髙橋,①,﨑\r\n', 'cp932'))).toBe(true);
    // 髙 is FB FC and ① is 87 40 in CP932
    expect(out.includes(Buffer.from([0xfb, 0xfc]))).toBe(true);
    expect(out.includes(Buffer.from([0x87, 0x40]))).toBe(true);
  });

  it('maps Unicode look-alikes to CP932 and turns unencodable characters into ?', () => {
    const out = toCsv([['1〜2', '−5', '😀', '𠮷野家']], { encoding: 'sjis' });
    expect(iconv.decode(out, 'cp932')).toBe("1～2,'－5,?,?野家\r\n");
  });

  it('quotes cells holding quotes, commas and line breaks (RFC 4180)', () => {
    const out = toCsv([['a"b', 'c,d', 'e\nf', 'g\r\nh', 'plain']], { encoding: 'utf8' });
    expect(out.subarray(3).toString('utf8')).toBe('"a""b","c,d","e\nf","g\r\nh",plain\r\n');
  });

  it('neutralises cells that a spreadsheet would run as formulas', () => {
    const out = toCsv([['=1+1', '+81', '-2', '@SUM(A1)', '\tx', '\rx', '＝A1', 'ok', '1-2']], {
      encoding: 'utf8',
    });
    expect(out.subarray(3).toString('utf8')).toBe(`'=1+1,'+81,'-2,'@SUM(A1),'\tx,"'\rx",'＝A1,ok,1-2\r\n`);
  });

  it('keeps real numbers usable, including negative ones', () => {
    const out = toCsv([[-2, 3.5, 0, 10n, Number.NEGATIVE_INFINITY]], { encoding: 'utf8' });
    expect(out.subarray(3).toString('utf8')).toBe("-2,3.5,0,10,'-Infinity\r\n");
  });

  it('writes null/undefined as empty, dates as ISO strings, booleans and objects as text', () => {
    const out = toCsv([[null, undefined, new Date('2025-04-01T00:30:00Z'), true, { a: 1 }]], {
      encoding: 'utf8',
    });
    expect(out.subarray(3).toString('utf8')).toBe(',,2025-04-01T00:30:00.000Z,true,"{""a"":1}"\r\n');
  });

  it('neutralise/unneutralise round-trips every string', () => {
    for (const s of ['=1+1', "'=1+1", "''-2", "'plain", 'plain', '-', '', "'"]) {
      expect(unneutraliseCell(neutraliseCell(s))).toBe(s);
    }
  });
});

describe('parseCsv', () => {
  it('strips the UTF-8 BOM and reports utf8', () => {
    const r = parseCsv(Buffer.concat([BOM, Buffer.from('見出し,b\r\n値,2\r\n')]));
    expect(r.encoding).toBe('utf8');
    expect(r.rows).toEqual([
      ['見出し', 'b'],
      ['値', '2'],
    ]);
  });

  it('reads UTF-8 without a BOM and LF line ends', () => {
    expect(parseCsv(Buffer.from('a,b\nc,d\n'))).toEqual({
      rows: [
        ['a', 'b'],
        ['c', 'd'],
      ],
      encoding: 'utf8',
    });
  });

  it('round-trips Shift_JIS with 漢字, 髙 and ①', () => {
    const rows = [
      ['氏名', '所属'],
      ['髙橋 ①郎', '総務課;企画課'],
      ['﨑山 漢字', 'ｶﾀｶﾅ'],
    ];
    const r = parseCsv(toCsv(rows, { encoding: 'sjis' }));
    expect(r).toEqual({ rows, encoding: 'sjis' });
  });

  it('round-trips quotes, commas and line breaks inside cells', () => {
    const rows = [
      ['a"b', 'c,d', '1行目\n2行目', ' spaced '],
      ['', 'x', '', ''],
    ];
    for (const encoding of ['utf8', 'sjis'] as const) {
      expect(parseCsv(toCsv(rows, { encoding })).rows).toEqual(rows);
    }
  });

  it('skips completely empty lines but keeps rows of empty cells and trims nothing', () => {
    expect(parseCsv(Buffer.from('a,b\r\n\r\n , \r\n,\r\n\r\n')).rows).toEqual([
      ['a', 'b'],
      [' ', ' '],
      ['', ''],
    ]);
  });

  it('returns no rows for an empty file', () => {
    expect(parseCsv(Buffer.alloc(0)).rows).toEqual([]);
    expect(parseCsv(BOM).rows).toEqual([]);
  });

  it('allows rows of different lengths (the caller checks columns)', () => {
    expect(parseCsv(Buffer.from('a,b,c\r\nd\r\n')).rows).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('reports an unclosed quote with the line it was opened on', () => {
    const e = expectFormatError(
      Buffer.from('a,b\r\nc,d\r\n"e,f\r\ng,h\r\n'),
      'CSVの形式が正しくありません（3行目: 引用符が閉じられていません）',
    );
    expect(e.line).toBe(3);
  });

  it('reports text after a closing quote', () => {
    expectFormatError(
      Buffer.from('a,b\r\n"x"y,z\r\n'),
      /^CSVの形式が正しくありません（2行目: 引用符で囲んだ値の後に文字があります/,
    );
  });

  it('reports a stray quote inside an unquoted cell', () => {
    expectFormatError(
      Buffer.from('a,b\r\nc,d\r\nab"c,d\r\n'),
      /^CSVの形式が正しくありません（3行目: 値の途中に引用符/,
    );
  });

  it('refuses bytes that are neither UTF-8 nor CP932', () => {
    const e = expectFormatError(
      Buffer.from([0x61, 0x0d, 0x0a, 0x82, 0xa0, 0x85, 0x40]),
      /文字コードを判別できません（2行目/,
    );
    expect(e.line).toBe(2);
  });

  it('refuses UTF-16 files with a hint to re-save', () => {
    expectFormatError(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b', 'utf16le')]), /UTF-16/);
  });
});

describe('file names', () => {
  it('stamps the Japan date and time and removes characters Windows forbids', () => {
    expect(csvFileName('職員一覧', new Date('2025-03-31T15:30:00Z'))).toBe('職員一覧_20250401_0030.csv');
    expect(csvFileName('a/b:c', new Date('2025-01-02T03:04:00Z'))).toBe('a_b_c_20250102_1204.csv');
  });

  it('builds an RFC 5987 Content-Disposition with an ASCII fallback', () => {
    expect(contentDisposition('職員一覧_20250401_0030.csv')).toBe(
      `attachment; filename="20250401_0030.csv"; filename*=UTF-8''${encodeURIComponent('職員一覧_20250401_0030.csv')}`,
    );
    expect(contentDisposition('職員一覧.csv')).toBe(
      `attachment; filename="download.csv"; filename*=UTF-8''%E8%81%B7%E5%93%A1%E4%B8%80%E8%A6%A7.csv`,
    );
    expect(contentDisposition(`it's (1)*"x".csv`)).toBe(
      `attachment; filename="it's (1)*_x_.csv"; filename*=UTF-8''it%27s%20%281%29%2A%22x%22.csv`,
    );
    expect(contentDisposition('a\r\nb.csv')).not.toMatch(/[\r\n]/);
  });
});
