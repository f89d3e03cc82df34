import { id15 } from '../ids';
import type { ObjectDef } from './schema';

/** Datetimes are epoch milliseconds inside the simulator; they are formatted only on the wire. */
export type Value = string | number | boolean | null;

/** Read access to one sObject's rows, by row number, so queries can work on columns or on records alike. */
export interface Table {
  readonly object: ObjectDef;
  size(): number;
  /** Reader for one field (canonical name). */
  column(field: string): (row: number) => Value;
  /** Row of the parent record a reference field points at, or -1; lets views skip id lookups. */
  parentRow?(field: string): ((row: number) => number) | undefined;
  rowOfId(id: string): number;
  /** Set when rows are stored in ascending order of this datetime field, so ranges need no full scan. */
  sortedBy?: { field: string; lowerBound(value: number, strict: boolean): number };
  /** For views where some row numbers hold no record (a login without a LoginGeo). */
  exists?(row: number): boolean;
}

export type RecordRow = Record<string, Value>;

export interface RecordTable extends Table {
  readonly rows: RecordRow[];
  insert(row: RecordRow): number;
}

/** Small objects (users, profiles, permission sets) are plain records: thousands of rows, not millions. */
export function createRecordTable(object: ObjectDef): RecordTable {
  const rows: RecordRow[] = [];
  const rowById = new Map<string, number>();
  return {
    object,
    rows,
    size: () => rows.length,
    column: (field) => (row) => rows[row]?.[field] ?? null,
    rowOfId: (id) => rowById.get(id15(id)) ?? -1,
    insert(row) {
      const id = row.Id;
      if (typeof id !== 'string') throw new Error(`${object.name} row without Id`);
      rows.push(row);
      rowById.set(id15(id), rows.length - 1);
      return rows.length - 1;
    },
  };
}
