import { executeQuery, type QueryResultSet } from '../query/execute';
import { compileRecordWriter } from '../query/select-plan';
import { SoqlError } from '../soql/errors';
import { querySourceFor } from './access';
import { errorBody, REST_ERRORS } from './responses';
import type { RestCall, RestResult } from './rest-call';

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;

/**
 * `Sforce-Query-Options: batchSize=N`: "The default is 2,000; the minimum is 200, and the maximum is 2,000.
 * There is no guarantee that the requested batch size is the actual batch size" (headers_queryoptions).
 */
export function batchSizeFrom(header: string | undefined): number {
  const match = header ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  if (!match) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(match[1])));
}

function page(
  call: RestCall,
  result: QueryResultSet,
  locator: string | null,
  offset: number,
  batchSize: number,
): RestResult {
  const { rows } = result;
  if (result.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
  const end = Math.min(rows.length, offset + batchSize);
  const write = compileRecordWriter(result.plan, call.version);
  const records = new Array(end - offset);
  for (let i = offset; i < end; i++) records[i - offset] = write(rows[i]!);
  const done = end >= rows.length;
  // nextRecordsUrl appears only while done is false, as /services/data/vXX.X/query/<locator>-<offset> (dome_query).
  const body = done
    ? { totalSize: rows.length, done, records }
    : {
        totalSize: rows.length,
        done,
        nextRecordsUrl: `/services/data/v${call.version}/query/${locator}-${end}`,
        records,
      };
  return { status: 200, body, records: records.length };
}

export function runQuery(
  call: RestCall,
  soql: string | undefined,
  batchHeader: string | undefined,
): RestResult {
  if (soql === undefined) return { status: 400, body: REST_ERRORS.noQuery() };
  const { source, visibility } = querySourceFor(call.org, call.session.userRow);
  let result: QueryResultSet;
  try {
    result = executeQuery(source, soql, { now: call.now, visibility });
  } catch (error) {
    if (error instanceof SoqlError) return { status: 400, body: errorBody(error.errorCode, error.message) };
    throw error;
  }
  const batchSize = batchSizeFrom(batchHeader);
  if (result.count || result.rows.length <= batchSize) return page(call, result, null, 0, batchSize);
  const cursor = call.org.cursors.open(result, call.now);
  return page(call, result, cursor.locator, 0, batchSize);
}

export function continueQuery(
  call: RestCall,
  locatorSegment: string,
  batchHeader: string | undefined,
): RestResult {
  const match = /^(01g[0-9A-Za-z]{12,15})(?:-(\d+))?$/.exec(locatorSegment);
  const cursor = match ? call.org.cursors.get(match[1]!, call.now) : undefined;
  const offset = Number(match?.[2] ?? 0);
  // An unknown, expired or evicted cursor, or an offset past its end (help article 000384958).
  if (!cursor || offset > cursor.result.rows.length)
    return { status: 400, body: REST_ERRORS.invalidLocator() };
  return page(call, cursor.result, cursor.locator, offset, batchSizeFrom(batchHeader));
}
