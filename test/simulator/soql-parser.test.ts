import { describe, expect, it } from 'vitest';
import { parseSoql } from '../../simulator/soql/parser';
import { tokenize } from '../../simulator/soql/lexer';
import { dateConstantRange } from '../../simulator/soql/date-literals';
import { SoqlError } from '../../simulator/soql/errors';

const DAY = 86_400_000;

function failure(query: string): SoqlError {
  try {
    parseSoql(query);
  } catch (error) {
    if (error instanceof SoqlError) return error;
    throw error;
  }
  throw new Error(`expected ${query} to fail`);
}

describe('SOQL tokenizer and parser', () => {
  it('tokenizes datetime literals with milliseconds and offsets, dates, strings with escapes', () => {
    const tokens = tokenize(
      "LoginTime > 2024-01-01T00:00:00.123+02:00 AND d = 2024-02-03 AND n = 'O\\'Brien'",
    );
    expect(tokens.filter((token) => token.kind === 'datetime').map((token) => token.text)).toEqual([
      '2024-01-01T00:00:00.123+02:00',
    ]);
    expect(tokens.filter((token) => token.kind === 'date').map((token) => token.text)).toEqual([
      '2024-02-03',
    ]);
    expect(tokens.find((token) => token.kind === 'string')!.text).toBe("O'Brien");
  });

  it('parses field paths, nested boolean logic, ORDER BY, LIMIT and OFFSET into an AST', () => {
    const ast = parseSoql(
      "select Id, Profile.UserLicense.Name from User where (IsActive = true and not Name like 'A%') or Id in ('005x') order by Name desc nulls first, Id limit 10 offset 5",
    );
    expect(ast.fields.map((field) => field.parts.join('.'))).toEqual(['Id', 'Profile.UserLicense.Name']);
    expect(ast.from.name).toBe('User');
    expect(ast.where).toMatchObject({
      kind: 'or',
      operands: [
        { kind: 'and', operands: [{ kind: 'compare' }, { kind: 'not', operand: { kind: 'like' } }] },
        { kind: 'in', negated: false },
      ],
    });
    expect(ast.orderBy).toMatchObject([
      { descending: true, nullsLast: false },
      { descending: false, nullsLast: false },
    ]);
    expect(ast).toMatchObject({ limit: 10, offset: 5, count: false });
  });

  it('parses datetimes to epoch milliseconds, honouring offsets', () => {
    const ast = parseSoql('SELECT Id FROM LoginHistory WHERE LoginTime >= 2024-01-01T02:00:00+02:00');
    expect(ast.where).toMatchObject({ value: { kind: 'datetime', value: Date.UTC(2024, 0, 1) } });
    const ms = parseSoql('SELECT Id FROM LoginHistory WHERE LoginTime > 2010-09-20T22:16:30.000Z');
    expect(ms.where).toMatchObject({ value: { value: Date.UTC(2010, 8, 20, 22, 16, 30) } });
  });

  it('parses date literals and COUNT()', () => {
    const ast = parseSoql(
      'SELECT COUNT() FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:30 AND LoginTime < TODAY',
    );
    expect(ast.count).toBe(true);
    expect(ast.where).toMatchObject({
      operands: [
        { value: { kind: 'dateConstant', name: 'LAST_N_DAYS', n: 30 } },
        { value: { kind: 'dateConstant', name: 'TODAY' } },
      ],
    });
  });

  it('rejects mixing AND and OR without parentheses, like Salesforce', () => {
    expect(failure('SELECT Id FROM User WHERE A = 1 AND B = 2 OR C = 3').message).toContain(
      'unexpected token: OR',
    );
  });

  it.each([
    ['SELECT FROM User', 'unexpected token: FROM'],
    ['SELECT Id FROM', 'unexpected token: <EOF>'],
    ['SELECT Id FROM User WHERE Name = ', 'unexpected token: <EOF>'],
    ['SELECT Id FROM User LIMIT x', 'unexpected token: x'],
    ["SELECT Id FROM User WHERE Name = 'open", 'unexpected token: <EOF>'],
    ['SELECT Id FROM User ORDER Name', 'unexpected token: Name'],
    ['SELECT Id FROM User WHERE LastLoginDate > LAST_N_DAYS', 'unexpected token: <EOF>'],
  ])('%s → MALFORMED_QUERY', (query, reason) => {
    const error = failure(query);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toMatch(
      new RegExp(
        `^\\n${query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n *\\^\\nERROR at Row:1:Column:\\d+\\n`,
      ),
    );
    expect(error.message.endsWith(reason)).toBe(true);
  });

  it('reports the row and column of multi-line queries', () => {
    const error = failure('SELECT Id\nFROM User\nWHERE = 1');
    expect(error.message).toBe('\nWHERE = 1\n      ^\nERROR at Row:3:Column:7\nunexpected token: =');
  });

  it('resolves date literal ranges in UTC days', () => {
    const now = Date.UTC(2025, 5, 4, 15, 30);
    const today = Date.UTC(2025, 5, 4);
    expect(dateConstantRange('TODAY', 0, now)).toEqual([today, today + DAY]);
    expect(dateConstantRange('YESTERDAY', 0, now)).toEqual([today - DAY, today]);
    expect(dateConstantRange('LAST_N_DAYS', 7, now)).toEqual([today - 7 * DAY, today + DAY]);
    expect(dateConstantRange('N_DAYS_AGO', 3, now)).toEqual([today - 3 * DAY, today - 2 * DAY]);
    expect(dateConstantRange('THIS_MONTH', 0, now)).toEqual([Date.UTC(2025, 5, 1), Date.UTC(2025, 6, 1)]);
  });
});
