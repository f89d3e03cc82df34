import type postgres from 'postgres';
import type { CollectedObject } from '../../../workflows/definitions';

/** A postgres.js handle or a transaction on it: writers work in both. */
export type SqlHandle = postgres.ISql;

/** Where a row sits in the pass's order: (timestamp, Id) for keyset objects, Id alone for full re-reads. */
export interface RowKey {
  at: string | null;
  id: string;
}

export interface ObjectSpec<Row> {
  object: CollectedObject;
  /**
   * Incremental objects page by (timestamp, Id) and keep a watermark between runs; `null` means the object is
   * small and re-read fully each run, ordered by Id, with rows not seen by a completed pass deleted.
   */
  keyset: { field: 'SystemModstamp' | 'LoginTime' } | null;
  /** The SELECT with the given WHERE (without the keyword) and the pass's ORDER BY. */
  soql(where: string | null): string;
  /** Validates one Salesforce record (leniently) and maps it to the table's typed columns. */
  parse(record: unknown): Row;
  key(row: Row): RowKey;
  /** One bulk, idempotent statement for a whole page. */
  upsert(sql: SqlHandle, integrationId: string, runId: string, rows: Row[]): Promise<void>;
  /** Full objects only: removes what the just-completed pass did not see (e.g. revoked assignments). */
  deleteUnseen?(sql: SqlHandle, integrationId: string, runId: string): Promise<number>;
}
