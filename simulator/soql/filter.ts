import type { FieldType } from '../data/schema';
import type { Table, Value } from '../data/table';
import { id15 } from '../ids';
import type { ComparisonOperator, Condition, Literal } from './ast';
import { dateConstantRange } from './date-literals';
import { soqlError } from './errors';
import { resolveField, type QuerySource, type ResolvedField } from './resolve';

export type RowPredicate = (row: number) => boolean;

interface FilterContext {
  source: QuerySource;
  table: Table;
  query: string;
  now: number;
}

const TYPE_WORDS: Record<FieldType, string> = {
  id: 'id',
  reference: 'id',
  string: 'string',
  picklist: 'string',
  boolean: 'boolean',
  datetime: 'dateTime',
  date: 'date',
  int: 'number',
  double: 'number',
};

function resolveFilterable(context: FilterContext, field: Parameters<typeof resolveField>[2]): ResolvedField {
  const resolved = resolveField(context.source, context.table, field, context.query);
  // e.g. LoginHistory.Status lacks the "Filter" property (Object Reference: LoginHistory).
  if (!resolved.field.filterable) {
    throw soqlError(
      'INVALID_FIELD',
      context.query,
      field.position,
      `field '${resolved.field.name}' can not be filtered in a query call`,
    );
  }
  return resolved;
}

function typeMismatch(context: FilterContext, resolved: ResolvedField, literal: Literal) {
  const word = TYPE_WORDS[resolved.field.type];
  const quoted = word === 'string' || word === 'id';
  return soqlError(
    'INVALID_FIELD',
    context.query,
    literal.position,
    `value of filter criterion for field '${resolved.field.name}' must be of type ${word} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
  );
}

/** A literal as a comparable scalar, or a [start, end) range for date literals such as LAST_N_DAYS:n. */
type Operand =
  | { kind: 'null' }
  | { kind: 'scalar'; value: string | number | boolean }
  | { kind: 'range'; start: number; end: number };

function normaliseText(type: FieldType, text: string): string {
  return type === 'id' || type === 'reference' ? id15(text) : text.toLowerCase();
}

function operandOf(context: FilterContext, resolved: ResolvedField, literal: Literal): Operand {
  const type = resolved.field.type;
  if (literal.kind === 'null') return { kind: 'null' };
  switch (type) {
    case 'datetime':
    case 'date':
      if (literal.kind === 'datetime') return { kind: 'scalar', value: literal.value };
      if (literal.kind === 'date' && type === 'date') return { kind: 'scalar', value: literal.value };
      if (literal.kind === 'dateConstant') {
        const [start, end] = dateConstantRange(literal.name, literal.n, context.now);
        return { kind: 'range', start, end };
      }
      throw typeMismatch(context, resolved, literal);
    case 'boolean':
      if (literal.kind === 'boolean') return { kind: 'scalar', value: literal.value };
      throw typeMismatch(context, resolved, literal);
    case 'int':
    case 'double':
      if (literal.kind === 'number') return { kind: 'scalar', value: literal.value };
      throw typeMismatch(context, resolved, literal);
    default:
      if (literal.kind === 'string') return { kind: 'scalar', value: normaliseText(type, literal.value) };
      throw typeMismatch(context, resolved, literal);
  }
}

function comparableReader(resolved: ResolvedField): (row: number) => Value {
  const { read, field } = resolved;
  if (
    field.type === 'string' ||
    field.type === 'picklist' ||
    field.type === 'id' ||
    field.type === 'reference'
  ) {
    return (row) => {
      const value = read(row);
      return typeof value === 'string' ? normaliseText(field.type, value) : value;
    };
  }
  return read;
}

function compare(read: (row: number) => Value, operator: ComparisonOperator, operand: Operand): RowPredicate {
  if (operand.kind === 'null') {
    if (operator === '=') return (row) => read(row) === null;
    if (operator === '!=') return (row) => read(row) !== null;
    return () => false;
  }
  if (operand.kind === 'range') {
    const { start, end } = operand;
    const inRange = (value: Value) => typeof value === 'number' && value >= start && value < end;
    switch (operator) {
      case '=':
        return (row) => inRange(read(row));
      case '!=':
        return (row) => !inRange(read(row));
      case '<':
        return (row) => (read(row) as number | null) !== null && (read(row) as number) < start;
      case '<=':
        return (row) => (read(row) as number | null) !== null && (read(row) as number) < end;
      case '>':
        return (row) => (read(row) as number | null) !== null && (read(row) as number) >= end;
      case '>=':
        return (row) => (read(row) as number | null) !== null && (read(row) as number) >= start;
    }
  }
  const target = operand.value;
  switch (operator) {
    case '=':
      return (row) => read(row) === target;
    // SOQL's != matches nulls too, unlike SQL.
    case '!=':
      return (row) => read(row) !== target;
    case '<':
      return (row) => {
        const value = read(row);
        return value !== null && value < target;
      };
    case '<=':
      return (row) => {
        const value = read(row);
        return value !== null && value <= target;
      };
    case '>':
      return (row) => {
        const value = read(row);
        return value !== null && value > target;
      };
    case '>=':
      return (row) => {
        const value = read(row);
        return value !== null && value >= target;
      };
  }
}

function likeRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      source += '\\' + pattern[++i];
    } else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

export function compileCondition(context: FilterContext, condition: Condition): RowPredicate {
  switch (condition.kind) {
    case 'and': {
      const parts = condition.operands.map((operand) => compileCondition(context, operand));
      return (row) => parts.every((part) => part(row));
    }
    case 'or': {
      const parts = condition.operands.map((operand) => compileCondition(context, operand));
      return (row) => parts.some((part) => part(row));
    }
    case 'not': {
      const inner = compileCondition(context, condition.operand);
      return (row) => !inner(row);
    }
    case 'compare': {
      const resolved = resolveFilterable(context, condition.field);
      return compare(
        comparableReader(resolved),
        condition.operator,
        operandOf(context, resolved, condition.value),
      );
    }
    case 'in': {
      const resolved = resolveFilterable(context, condition.field);
      const read = comparableReader(resolved);
      const operands = condition.values.map((value) => operandOf(context, resolved, value));
      const scalars = new Set(
        operands.flatMap((operand) => (operand.kind === 'scalar' ? [operand.value] : [])),
      );
      const matchesNull = operands.some((operand) => operand.kind === 'null');
      const ranges = operands.flatMap((operand) => (operand.kind === 'range' ? [operand] : []));
      const matches = (value: Value) =>
        value === null
          ? matchesNull
          : scalars.has(value) ||
            ranges.some((range) => typeof value === 'number' && value >= range.start && value < range.end);
      return condition.negated ? (row) => !matches(read(row)) : (row) => matches(read(row));
    }
    case 'like': {
      const resolved = resolveFilterable(context, condition.field);
      const pattern = condition.pattern;
      if (pattern.kind !== 'string') throw typeMismatch(context, resolved, pattern);
      const regex = likeRegex(pattern.value);
      const read = resolved.read;
      return (row) => {
        const value = read(row);
        return typeof value === 'string' && regex.test(value);
      };
    }
  }
}

/** For tables kept sorted by a datetime column: a row range implied by top-level conditions on it. */
export function sortedRange(
  context: FilterContext,
  condition: Condition | null,
  sortedField: string,
  lowerBound: (value: number, strict: boolean) => number,
): { from: number; to: number; residual: Condition[] } {
  let from = 0;
  let to = context.table.size();
  const conjuncts = condition === null ? [] : condition.kind === 'and' ? condition.operands : [condition];
  const residual: Condition[] = [];
  for (const conjunct of conjuncts) {
    if (conjunct.kind !== 'compare' || conjunct.field.parts.length !== 1) {
      residual.push(conjunct);
      continue;
    }
    const resolved = resolveFilterable(context, conjunct.field);
    if (resolved.field.name !== sortedField || conjunct.operator === '!=' || conjunct.value.kind === 'null') {
      residual.push(conjunct);
      continue;
    }
    const operand = operandOf(context, resolved, conjunct.value);
    if (operand.kind === 'null') continue;
    const low = operand.kind === 'range' ? operand.start : (operand.value as number);
    const high = operand.kind === 'range' ? operand.end : (operand.value as number);
    switch (conjunct.operator) {
      case '=':
        from = Math.max(from, lowerBound(low, false));
        to = Math.min(to, operand.kind === 'range' ? lowerBound(high, false) : lowerBound(high, true));
        break;
      case '>':
        from = Math.max(from, operand.kind === 'range' ? lowerBound(high, false) : lowerBound(high, true));
        break;
      case '>=':
        from = Math.max(from, lowerBound(low, false));
        break;
      case '<':
        to = Math.min(to, lowerBound(low, false));
        break;
      case '<=':
        to = Math.min(to, operand.kind === 'range' ? lowerBound(high, false) : lowerBound(high, true));
        break;
    }
  }
  return { from, to: Math.max(from, to), residual };
}
