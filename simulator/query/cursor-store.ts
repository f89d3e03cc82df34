import { KEY_PREFIX, makeId } from '../ids';
import type { QueryResultSet } from './execute';

export interface Cursor {
  locator: string;
  createdAt: number;
  result: QueryResultSet;
}

export interface CursorStore {
  open(result: QueryResultSet, now: number): Cursor;
  /** undefined when the locator is unknown, evicted or expired: Salesforce answers INVALID_QUERY_LOCATOR. */
  get(locator: string, now: number): Cursor | undefined;
  size(): number;
}

export interface CursorStoreOptions {
  orgCode: string;
  ttlMs: () => number;
  /** Upper bound on row numbers held by open cursors, so many abandoned cursors cannot exhaust memory. */
  maxHeldRows?: number;
}

/**
 * Query locators are cursors: "Cursors and their related query results are available for 2 days" since API
 * v56.0 (Salesforce app limits cheat sheet, API cursors). The least recently used cursor goes first when
 * the memory budget is exceeded.
 */
export function createCursorStore(options: CursorStoreOptions): CursorStore {
  const cursors = new Map<string, Cursor>();
  const maxHeldRows = options.maxHeldRows ?? 50_000_000;
  let heldRows = 0;
  let serial = 0;

  const drop = (locator: string) => {
    const cursor = cursors.get(locator);
    if (!cursor) return;
    heldRows -= cursor.result.rows.length;
    cursors.delete(locator);
  };
  const expired = (cursor: Cursor, now: number) => now - cursor.createdAt > options.ttlMs();

  return {
    open(result, now) {
      for (const cursor of cursors.values()) if (expired(cursor, now)) drop(cursor.locator);
      while (heldRows + result.rows.length > maxHeldRows && cursors.size > 0)
        drop(cursors.keys().next().value!);
      const locator = makeId(KEY_PREFIX.QueryLocator, options.orgCode, ++serial);
      const cursor = { locator, createdAt: now, result };
      cursors.set(locator, cursor);
      heldRows += result.rows.length;
      return cursor;
    },
    get(locator, now) {
      const cursor = cursors.get(locator);
      if (!cursor) return undefined;
      if (expired(cursor, now)) {
        drop(locator);
        return undefined;
      }
      cursors.delete(locator);
      cursors.set(locator, cursor);
      return cursor;
    },
    size: () => cursors.size,
  };
}
