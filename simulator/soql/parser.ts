import type {
  ComparisonOperator,
  Condition,
  DateConstantName,
  FieldPath,
  Literal,
  OrderItem,
  SelectQuery,
} from './ast';
import { soqlError, SoqlError } from './errors';
import { tokenize, type Token } from './lexer';

const DATE_CONSTANTS_WITH_N = new Set<DateConstantName>(['LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO']);
const DATE_CONSTANTS = new Set<DateConstantName>([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'LAST_90_DAYS',
  'LAST_WEEK',
  'THIS_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  ...DATE_CONSTANTS_WITH_N,
]);
const OPERATORS: Record<string, ComparisonOperator> = {
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'IN',
  'LIKE',
]);

/** Parses the SOQL subset a collector uses into an AST; rejects what Salesforce rejects as MALFORMED_QUERY. */
export function parseSoql(query: string): SelectQuery {
  if (query.trim() === '') throw new SoqlError('MALFORMED_QUERY', 'SOQL statements cannot be empty or null');
  const tokens = tokenize(query);
  let index = 0;

  const peek = (ahead = 0): Token => tokens[Math.min(index + ahead, tokens.length - 1)]!;
  const advance = (): Token => tokens[Math.min(index++, tokens.length - 1)]!;
  const isKeyword = (token: Token, keyword: string) =>
    token.kind === 'identifier' && token.text.toUpperCase() === keyword;
  const isSymbol = (token: Token, symbol: string) => token.kind === 'symbol' && token.text === symbol;
  const unexpected = (token: Token): never => {
    throw soqlError('MALFORMED_QUERY', query, token.position, `unexpected token: ${token.text}`);
  };
  const expectKeyword = (keyword: string) => {
    const token = advance();
    if (!isKeyword(token, keyword)) unexpected(token);
  };
  const expectSymbol = (symbol: string) => {
    const token = advance();
    if (!isSymbol(token, symbol)) unexpected(token);
  };
  const acceptKeyword = (keyword: string) => {
    if (!isKeyword(peek(), keyword)) return false;
    index++;
    return true;
  };

  function identifier(): Token {
    const token = advance();
    if (token.kind !== 'identifier' || RESERVED.has(token.text.toUpperCase())) unexpected(token);
    return token;
  }

  function fieldPath(): FieldPath {
    const first = identifier();
    const parts = [first.text];
    while (isSymbol(peek(), '.')) {
      index++;
      parts.push(identifier().text);
    }
    return { parts, position: first.position };
  }

  function integer(): number {
    const token = advance();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) unexpected(token);
    return Number(token.text);
  }

  function literal(): Literal {
    const token = advance();
    const position = token.position;
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.text, position };
      case 'number':
        return { kind: 'number', value: Number(token.text), position };
      case 'datetime': {
        const normalised = token.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
        const value = Date.parse(normalised);
        if (Number.isNaN(value)) unexpected(token);
        return { kind: 'datetime', value, position };
      }
      case 'date': {
        const value = Date.parse(`${token.text}T00:00:00Z`);
        if (Number.isNaN(value)) unexpected(token);
        return { kind: 'date', value, position };
      }
      case 'symbol':
        if (token.text === '-' || token.text === '+') {
          const number = advance();
          if (number.kind !== 'number') unexpected(number);
          return { kind: 'number', value: (token.text === '-' ? -1 : 1) * Number(number.text), position };
        }
        return unexpected(token);
      case 'identifier': {
        const upper = token.text.toUpperCase();
        if (upper === 'NULL') return { kind: 'null', position };
        if (upper === 'TRUE' || upper === 'FALSE')
          return { kind: 'boolean', value: upper === 'TRUE', position };
        if (DATE_CONSTANTS.has(upper as DateConstantName)) {
          const name = upper as DateConstantName;
          if (!DATE_CONSTANTS_WITH_N.has(name)) return { kind: 'dateConstant', name, n: 0, position };
          expectSymbol(':');
          return { kind: 'dateConstant', name, n: integer(), position };
        }
        return unexpected(token);
      }
      default:
        return unexpected(token);
    }
  }

  function simpleCondition(): Condition {
    const field = fieldPath();
    const token = peek();
    if (token.kind === 'symbol' && OPERATORS[token.text]) {
      index++;
      return { kind: 'compare', field, operator: OPERATORS[token.text]!, value: literal() };
    }
    const negated = acceptKeyword('NOT');
    if (acceptKeyword('IN')) {
      expectSymbol('(');
      const values = [literal()];
      while (isSymbol(peek(), ',')) {
        index++;
        values.push(literal());
      }
      expectSymbol(')');
      return { kind: 'in', field, negated, values };
    }
    if (!negated && acceptKeyword('LIKE')) return { kind: 'like', field, pattern: literal() };
    return unexpected(peek());
  }

  function unaryCondition(): Condition {
    if (acceptKeyword('NOT')) return { kind: 'not', operand: unaryCondition() };
    if (isSymbol(peek(), '(')) {
      index++;
      const inner = condition();
      expectSymbol(')');
      return inner;
    }
    return simpleCondition();
  }

  // SOQL needs parentheses to mix AND and OR at one level ("unexpected token: OR").
  function condition(): Condition {
    const first = unaryCondition();
    const next = peek();
    const joiner = isKeyword(next, 'AND') ? 'AND' : isKeyword(next, 'OR') ? 'OR' : null;
    if (!joiner) return first;
    const operands = [first];
    while (acceptKeyword(joiner)) operands.push(unaryCondition());
    const other = joiner === 'AND' ? 'OR' : 'AND';
    if (isKeyword(peek(), other)) unexpected(peek());
    return { kind: joiner === 'AND' ? 'and' : 'or', operands };
  }

  function orderItem(): OrderItem {
    const field = fieldPath();
    let descending = false;
    if (acceptKeyword('DESC')) descending = true;
    else acceptKeyword('ASC');
    // Salesforce default: nulls first when ascending, last when descending (SOQL ORDER BY reference).
    let nullsLast = descending;
    if (acceptKeyword('NULLS')) {
      if (acceptKeyword('LAST')) nullsLast = true;
      else if (acceptKeyword('FIRST')) nullsLast = false;
      else unexpected(peek());
    }
    return { field, descending, nullsLast };
  }

  expectKeyword('SELECT');
  let count = false;
  const fields: FieldPath[] = [];
  if (isKeyword(peek(), 'COUNT') && isSymbol(peek(1), '(') && isSymbol(peek(2), ')')) {
    index += 3;
    count = true;
  } else {
    fields.push(fieldPath());
    while (isSymbol(peek(), ',')) {
      index++;
      fields.push(fieldPath());
    }
  }
  expectKeyword('FROM');
  const fromToken = identifier();
  const where = acceptKeyword('WHERE') ? condition() : null;
  const orderBy: OrderItem[] = [];
  if (acceptKeyword('ORDER')) {
    expectKeyword('BY');
    orderBy.push(orderItem());
    while (isSymbol(peek(), ',')) {
      index++;
      orderBy.push(orderItem());
    }
  }
  const limit = acceptKeyword('LIMIT') ? integer() : null;
  const offset = acceptKeyword('OFFSET') ? integer() : null;
  if (peek().kind !== 'eof') unexpected(peek());
  return {
    count,
    fields,
    from: { name: fromToken.text, position: fromToken.position },
    where,
    orderBy,
    limit,
    offset,
  };
}
