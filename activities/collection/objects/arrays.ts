import type { SqlHandle } from './types';

/**
 * A page column as a text[] parameter for `unnest(...)`: every column travels as text and is cast in SQL
 * (`::timestamptz[]`, `::boolean[]`), so a whole page is one statement with one parameter per column,
 * whatever the page size (no 65,534-parameter ceiling).
 */
export function textArray(sql: SqlHandle, values: Array<string | number | boolean | null>) {
  return sql.array(
    values.map((v) => (v === null ? null : String(v))),
    25,
  );
}
