import { soqlError, type SourcePosition } from './errors';

export type TokenKind = 'identifier' | 'string' | 'number' | 'datetime' | 'date' | 'symbol' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text (for strings: the unescaped value). */
  text: string;
  position: SourcePosition;
}

// SOQL datetime literals are unquoted: YYYY-MM-DDThh:mm:ss[.sss](Z|±hh:mm) (SOQL reference, Date Formats).
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\dT])/y;
const NUMBER = /\d+(\.\d+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const SYMBOLS = ['!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', ':', '-', '+'];
const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function sticky(pattern: RegExp, text: string, at: number): string | null {
  pattern.lastIndex = at;
  const match = pattern.exec(text);
  return match ? match[0] : null;
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  let row = 1;
  let lineStart = 0;
  const positionAt = (at: number): SourcePosition => ({ offset: at, row, column: at - lineStart + 1 });

  while (offset < query.length) {
    const char = query[offset]!;
    if (char === '\n') {
      offset++;
      row++;
      lineStart = offset;
      continue;
    }
    if (/\s/.test(char)) {
      offset++;
      continue;
    }
    const position = positionAt(offset);
    if (char === "'") {
      let value = '';
      let at = offset + 1;
      for (;;) {
        const next = query[at];
        if (next === undefined)
          throw soqlError('MALFORMED_QUERY', query, position, 'unexpected token: <EOF>');
        if (next === "'") break;
        if (next === '\\') {
          const escaped = query[at + 1] ?? '';
          // \% and \_ stay escaped so LIKE can tell a literal % from a wildcard.
          value += escaped === '%' || escaped === '_' ? '\\' + escaped : (ESCAPES[escaped] ?? escaped);
          at += 2;
          continue;
        }
        value += next;
        at++;
      }
      tokens.push({ kind: 'string', text: value, position });
      offset = at + 1;
      continue;
    }
    if (/\d/.test(char)) {
      const datetime = sticky(DATETIME, query, offset);
      const date = datetime ? null : sticky(DATE, query, offset);
      const literal = datetime ?? date ?? sticky(NUMBER, query, offset)!;
      tokens.push({ kind: datetime ? 'datetime' : date ? 'date' : 'number', text: literal, position });
      offset += literal.length;
      continue;
    }
    const identifier = sticky(IDENTIFIER, query, offset);
    if (identifier) {
      tokens.push({ kind: 'identifier', text: identifier, position });
      offset += identifier.length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => query.startsWith(candidate, offset));
    if (!symbol) throw soqlError('MALFORMED_QUERY', query, position, `unexpected token: '${char}'`);
    tokens.push({ kind: 'symbol', text: symbol, position });
    offset += symbol.length;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', position: positionAt(offset) });
  return tokens;
}
