import { id15 } from '../ids';
import type { Table, Value } from '../data/table';
import type { OrderItem } from '../soql/ast';
import { SoqlError } from '../soql/errors';
import { compileCondition, sortedRange, type RowPredicate } from '../soql/filter';
import { parseSoql } from '../soql/parser';
import { invalidType, resolveField, type QuerySource } from '../soql/resolve';
import { buildSelectPlan, type SelectNode } from './select-plan';

/** SOQL OFFSET is capped at 2,000 rows (SOQL reference, OFFSET). */
const MAX_OFFSET = 2000;

export interface QueryResultSet {
  objectName: string;
  count: boolean;
  /** Matching row numbers in result order: the cursor's whole state, so later pages cost O(page). */
  rows: Int32Array;
  plan: SelectNode;
}

export interface ExecuteOptions {
  now: number;
  /** Row-level visibility for the caller, e.g. only its own LoginHistory rows. */
  visibility?: (table: Table) => RowPredicate | undefined;
}

function scan(from: number, to: number, predicate: RowPredicate | null): Int32Array {
  if (!predicate) {
    const rows = new Int32Array(to - from);
    for (let i = 0; i < rows.length; i++) rows[i] = from + i;
    return rows;
  }
  const buffer = new Int32Array(to - from);
  let count = 0;
  for (let row = from; row < to; row++) if (predicate(row)) buffer[count++] = row;
  return buffer.slice(0, count);
}

function compareValues(left: Value, right: Value, caseSensitive: boolean): number {
  if (typeof left === 'string' && typeof right === 'string') {
    // Ids order case-sensitively on their 15-character form, exactly as `Id > '…'` filters compare them, so
    // keyset paging (ORDER BY Id with WHERE Id > last) neither skips nor repeats; text sorts case-insensitively.
    const a = caseSensitive ? id15(left) : left.toLowerCase();
    const b = caseSensitive ? id15(right) : right.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  return (left as number) < (right as number) ? -1 : (left as number) > (right as number) ? 1 : 0;
}

function sortRows(
  rows: Int32Array,
  keys: { read: (row: number) => Value; item: OrderItem; caseSensitive: boolean }[],
): Int32Array {
  const columns = keys.map(({ read }) => Array.from(rows, read));
  const order = Int32Array.from(rows.keys());
  order.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const { item, caseSensitive } = keys[k]!;
      const left = columns[k]![a]!;
      const right = columns[k]![b]!;
      if (left === right) continue;
      if (left === null || right === null) return (left === null) === item.nullsLast ? 1 : -1;
      const result = compareValues(left, right, caseSensitive);
      if (result !== 0) return item.descending ? -result : result;
    }
    return a - b;
  });
  return order.map((position) => rows[position]!);
}

export function executeQuery(source: QuerySource, query: string, options: ExecuteOptions): QueryResultSet {
  const ast = parseSoql(query);
  const table = source.table(ast.from.name);
  if (!table) throw invalidType(query, ast.from.name, ast.from.position);
  const plan = buildSelectPlan(source, table, ast.fields, query);
  const context = { source, table, query, now: options.now };

  const sorted = table.sortedBy;
  const range = sorted
    ? sortedRange(context, ast.where, sorted.field, sorted.lowerBound)
    : { from: 0, to: table.size(), residual: ast.where ? [ast.where] : [] };
  const predicates = range.residual.map((condition) => compileCondition(context, condition));
  const visibility = options.visibility?.(table);
  if (visibility) predicates.push(visibility);
  if (table.exists) predicates.push(table.exists);
  const predicate: RowPredicate | null =
    predicates.length === 0
      ? null
      : predicates.length === 1
        ? predicates[0]!
        : (row) => predicates.every((test) => test(row));
  let rows = scan(range.from, range.to, predicate);

  if (ast.orderBy.length > 0) {
    const keys = ast.orderBy.map((item) => ({
      item,
      resolved: resolveField(source, table, item.field, query),
    }));
    const first = keys[0]!;
    const naturalOrder =
      sorted !== undefined &&
      first.resolved.hops.length === 0 &&
      first.resolved.field.name === sorted.field &&
      keys
        .slice(1)
        .every(
          (key) =>
            key.resolved.hops.length === 0 &&
            key.resolved.field.name === 'Id' &&
            key.item.descending === first.item.descending,
        );
    if (naturalOrder) {
      // Rows are stored by (LoginTime, Id), so ascending is the stored order and descending its reverse.
      if (first.item.descending) rows.reverse();
    } else {
      rows = sortRows(
        rows,
        keys.map(({ item, resolved }) => ({
          item,
          read: resolved.read,
          caseSensitive: resolved.field.type === 'id' || resolved.field.type === 'reference',
        })),
      );
    }
  }
  if (ast.offset !== null && ast.offset > MAX_OFFSET) {
    throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const start = Math.min(rows.length, ast.offset ?? 0);
  const end = ast.limit === null ? rows.length : Math.min(rows.length, start + ast.limit);
  if (start > 0 || end < rows.length) rows = rows.slice(start, end);
  return { objectName: table.object.name, count: ast.count, rows, plan };
}
