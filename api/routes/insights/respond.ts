import type { Context } from 'hono';
import { escapeCsvField, toCsv, type CsvColumn } from '../../../insights/csv';
import type { ApiEnv } from '../../context';

/** csv when asked for (format=csv, or Accept: text/csv without a format), else json. */
export function wantsCsv(c: Context<ApiEnv>, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/i.test(c.req.header('accept') ?? '');
}

/**
 * A report as CSV: RFC 4180 text (insights/csv.ts) as an attachment. A report is never cut silently: when
 * `nextCursor` says more rows follow, the last line is a marker row (its first cell says so and names the
 * cursor, the other cells are empty, so the column count holds) and the response carries X-Truncated: true
 * and X-Next-Cursor, for scripts that read headers rather than the file.
 */
export function csvReport<T>(
  c: Context<ApiEnv>,
  { name, columns, rows, nextCursor = null }: CsvReport<T>,
): Response {
  let body = toCsv(columns, rows);
  const headers: Record<string, string> = {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}.csv"`,
  };
  if (nextCursor) {
    headers['x-truncated'] = 'true';
    headers['x-next-cursor'] = nextCursor;
    body += truncationMarkerRow(columns.length, nextCursor);
  }
  return c.body(body, 200, headers);
}

export interface CsvReport<T> {
  /** File name without .csv. */
  name: string;
  columns: CsvColumn<T>[];
  rows: T[];
  /** Set when more rows follow this page. */
  nextCursor?: string | null;
}

export const TRUNCATION_MARKER = '# truncated: more rows follow; request again with cursor=';

export function truncationMarkerRow(columnCount: number, nextCursor: string): string {
  const cells = [escapeCsvField(`${TRUNCATION_MARKER}${nextCursor}`)];
  for (let i = 1; i < columnCount; i++) cells.push('');
  return cells.join(',') + '\r\n';
}

/**
 * The one JSON-or-CSV branch of every insight report: the CSV of `rows` with `columns` when CSV is asked for,
 * else `json` with status 200.
 */
export function respond<T, J>(
  c: Context<ApiEnv>,
  format: 'json' | 'csv' | undefined,
  report: CsvReport<T> & { json: J },
) {
  if (wantsCsv(c, format)) return csvReport(c, report);
  return c.json(report.json, 200);
}
