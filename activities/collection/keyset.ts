import { ApplicationFailure } from '@temporalio/common';
import type { QueryResult } from '../../salesforce/client';
import { datetimeLiteral, idLiteral } from '../../salesforce/soql';
import type { Position } from './cursor-store';
import type { ObjectSpec } from './objects';

/**
 * The WHERE that continues a pass after its last written row. For (timestamp, Id) keysets:
 * `(F > t OR (F = t AND Id > 'id'))`, so rows sharing one timestamp are neither skipped nor re-read
 * (the Airbyte #17148 / #42537 failure modes); a bare lower bound (no Id yet) is inclusive.
 */
export function keysetWhere(spec: ObjectSpec<unknown>, position: Position): string | null {
  if (spec.keyset) {
    const field = spec.keyset.field;
    // A segment of a pass collected in parallel stops before the next segment's lower bound.
    const end = position.windowEnd ? `${field} < ${datetimeLiteral(position.windowEnd)}` : null;
    let lower: string | null = null;
    if (position.lastAt && position.lastId) {
      const t = datetimeLiteral(position.lastAt);
      lower = `(${field} > ${t} OR (${field} = ${t} AND Id > ${idLiteral(position.lastId)}))`;
    } else if (position.lastAt) lower = `${field} >= ${datetimeLiteral(position.lastAt)}`;
    return lower && end ? `${lower} AND ${end}` : (lower ?? end);
  }
  return position.lastId ? `Id > ${idLiteral(position.lastId)}` : null;
}

/**
 * The position after a page. Throws (non-retryably) when the page would not move the cursor: the same locator
 * again, an empty page that is not the last, or a last row at or before the previous one. Never loop forever.
 */
export function advance(
  spec: ObjectSpec<unknown>,
  position: Position,
  rows: unknown[],
  page: QueryResult,
): Position {
  const stalled = (why: string) =>
    ApplicationFailure.nonRetryable(
      `${spec.object} collection cursor did not advance (${why}) at ${describeCursor(spec, position) ?? 'start'}`,
      'CollectionCursorStalled',
    );
  const nextUrl = page.done ? null : (page.nextRecordsUrl ?? null);
  if (nextUrl !== null && nextUrl === position.nextRecordsUrl)
    throw stalled('Salesforce returned the same locator');
  const last = rows.at(-1);
  if (last === undefined) {
    if (!page.done) throw stalled('an empty page that was not the last');
    return { ...position, nextRecordsUrl: null, pages: position.pages + 1 };
  }
  const key = spec.key(last);
  if (key.id === position.lastId && key.at === position.lastAt)
    throw stalled('the page ended on the previous row');
  if (spec.keyset && position.lastAt && key.at !== null && key.at < position.lastAt) {
    throw stalled('the page ended before the previous row');
  }
  return {
    ...position,
    nextRecordsUrl: nextUrl,
    lastAt: key.at,
    lastId: key.id,
    pages: position.pages + 1,
    records: position.records + rows.length,
  };
}

export function describeCursor(spec: ObjectSpec<unknown>, position: Position): string | null {
  if (spec.keyset) {
    if (!position.lastAt) return null;
    return `${spec.keyset.field} ${position.lastAt}${position.lastId ? ` / ${position.lastId}` : ''}`;
  }
  return position.lastId ? `Id ${position.lastId}` : null;
}
