import type { SqlHandle } from './types';

/**
 * One value in PostgreSQL's COPY text format: `\N` for null, and backslash, tab, newline and carriage return
 * escaped (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2). Numbers are written with
 * JavaScript's shortest round-trip form, which float8 input reads back exactly.
 */
export function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value;
}

function escapeChar(c: string): string {
  return c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r';
}

export interface StagedCopy<Row> {
  /** Session-local staging table; emptied by every commit (ON COMMIT DELETE ROWS), so it never grows. */
  staging: string;
  /** Its columns, in COPY order, with their types: `id text, login_time timestamptz, …`. */
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  /** One row's values in the same order. */
  values(row: Row): Array<string | number | null>;
}

/**
 * Streams a page into the session's staging table with COPY FROM STDIN (PostgreSQL's bulk path: no per-row
 * statement, no bind parameters), inside the caller's transaction; the caller then moves it into the real
 * table with one `INSERT … SELECT … ON CONFLICT`, so the page, its upsert semantics and the cursor still commit
 * together. The table is created on first use per connection (`if not exists` is a cheap catalog lookup).
 */
export async function copyIntoStaging<Row>(tx: SqlHandle, spec: StagedCopy<Row>, rows: Row[]): Promise<void> {
  const definition = spec.columns.map(([name, type]) => `${name} ${type}`).join(', ');
  // Identifiers and types come from code, never from input.
  await tx.unsafe(`create temp table if not exists ${spec.staging} (${definition}) on commit delete rows`);
  const names = spec.columns.map(([name]) => name).join(', ');
  const sink = await tx.unsafe(`copy ${spec.staging} (${names}) from stdin`).writable();
  // Chunks of a few hundred rows keep each write small without one string the size of the whole page.
  const done = new Promise<void>((resolve, reject) => {
    sink.on('finish', resolve);
    sink.on('error', reject);
  });
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    chunk += spec.values(rows[i]!).map(copyValue).join('\t') + '\n';
    if (chunk.length > 256 * 1024) {
      if (!sink.write(chunk)) await new Promise((resolve) => sink.once('drain', resolve));
      chunk = '';
    }
  }
  if (chunk) sink.write(chunk);
  sink.end();
  await done;
}
