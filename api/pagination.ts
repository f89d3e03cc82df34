import { z } from '@hono/zod-openapi';
import { ApiError } from './errors';

/**
 * Opaque keyset cursors: base64url of a small JSON object naming the listing it belongs to and the sort key
 * of the last row returned. Timestamps travel as PostgreSQL's own microsecond text, because a JavaScript Date
 * (milliseconds) would skip rows that share a millisecond.
 */
export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: 'Page size (1-200, default 50).', example: 50 }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page; omit for the first page.' }),
};

export function encodeCursor(listing: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify({ l: listing, k: key })).toString('base64url');
}

const cursorShape = z.object({ l: z.string(), k: z.array(z.string().max(300)) });

/** Cursor key part formats; checked so a tampered cursor is a 400, never a database error. */
export const cursorPart = {
  timestamp: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  text: /^[\s\S]{0,300}$/,
};

export { CURSOR_TIME_FORMAT } from '../platform/database';

/** The sort key inside a cursor, or 400 when it was tampered with or belongs to another listing. */
export function decodeCursor(
  listing: string,
  cursor: string | undefined,
  parts: readonly RegExp[],
): string[] | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorShape.safeParse(parsed);
  if (
    !result.success ||
    result.data.l !== listing ||
    result.data.k.length !== parts.length ||
    !result.data.k.every((value, i) => parts[i]!.test(value))
  ) {
    throw new ApiError(
      'invalid_request',
      'The cursor is not valid for this listing; start again without it',
      [{ path: 'cursor', message: 'not a cursor returned by this listing' }],
    );
  }
  return result.data.k;
}

/** Splits the `limit + 1` rows a query fetched into a page and the cursor for the next one. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  listing: string,
  keyOf: (row: Row) => readonly string[],
  toItem: (row: Row) => Item,
): { data: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(listing, keyOf(last)) : null,
  };
}

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
    })
    .openapi(name);
}

/** A page as pageSchema(item) describes it. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
