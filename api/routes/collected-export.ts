import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { escapeCsvField } from '../../insights/csv';
import { findingKinds, findingSeverities, findingStatuses } from '../../insights/finding-kinds';
import { findingColumns, toFinding, type Finding } from '../../insights/findings';
import {
  keysetBatches,
  selectFindings,
  selectLogins,
  selectUsers,
  toLogin,
  toUser,
} from '../collected-queries';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { ApiError } from '../errors';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import {
  LoginEventSchema,
  LoginQuerySchema,
  SalesforceUserSchema,
  UserQuerySchema,
} from '../schemas/collected';
import { findTenantIntegration } from '../tenant-integrations';

const tags = ['Collected data'];
/** Rows per batch (one query, or one cursor fetch): large enough to amortise the round trip, small enough to keep memory flat. */
const BATCH_ROWS = 1000;

const FormatQuery = z.enum(['ndjson', 'csv']).default('ndjson').openapi({
  description:
    "`ndjson`: one JSON object per line (the listing's shape). `csv`: RFC 4180, every value quoted.",
});

const contentTypes = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const;

/** CSV columns from the listing's schema; nested objects (a login's geo) become `geo.city`, … */
function columnsOf(schema: z.ZodObject): string[][] {
  return Object.entries(schema.shape).flatMap(([key, field]) =>
    field instanceof z.ZodObject ? Object.keys(field.shape).map((sub) => [key, sub]) : [[key]],
  );
}

interface CsvEncoder<T> {
  header: string;
  row(record: T): string;
}

function csvEncoder(schema: z.ZodObject): CsvEncoder<Record<string, unknown>> {
  const columns = columnsOf(schema);
  return {
    header: columns.map((path) => escapeCsvField(path.join('.'))).join(',') + '\r\n',
    row: (record: Record<string, unknown>) =>
      columns
        .map((path) =>
          escapeCsvField(
            path.reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], record),
          ),
        )
        .join(',') + '\r\n',
  };
}

/** The findings listing's own CSV columns (`GET …/findings?format=csv`), so both CSVs read the same. */
const findingCsv: CsvEncoder<Finding> = {
  header: findingColumns.map((column) => escapeCsvField(column.header)).join(',') + '\r\n',
  row: (finding) => findingColumns.map((column) => escapeCsvField(column.value(finding))).join(',') + '\r\n',
};

/** The filters of `GET …/findings`, without its paging. */
const FindingExportQuery = z.object({
  kind: z.enum(findingKinds).optional(),
  severity: z.enum(findingSeverities).optional(),
  status: z.enum(findingStatuses).optional(),
  format: FormatQuery,
});

/**
 * Bounds the exports one API process streams at once: each runs a query per batch back to back for as long as
 * its reader reads (the findings export holds a cursor's connection throughout), and the listings must keep
 * their share of the pool and the CPU.
 */
class ExportSlots {
  private inUse = 0;
  constructor(private readonly limit: number) {}
  acquire(): () => void {
    if (this.inUse >= this.limit)
      throw new ApiError(
        'exports_busy',
        `${this.limit} exports are already streaming from this server; retry in a few seconds`,
        undefined,
        { 'Retry-After': '5' },
      );
    this.inUse += 1;
    let released = false;
    return () => {
      if (!released) this.inUse -= 1;
      released = true;
    };
  }
}

/**
 * A pull-driven body: the next batch is fetched from PostgreSQL only when the client has read the previous one
 * (ReadableStream `pull` with a one-chunk queue), so a slow reader slows the export instead of filling memory;
 * a reader that goes away ends the batches (and closes a cursor, freeing its connection) at once.
 */
async function streamRows<R>(
  batches: AsyncIterable<R[]>,
  encode: (row: R) => string,
  header: string,
  release: () => void,
  onError: (error: unknown) => void,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  let first: IteratorResult<R[]>;
  try {
    // The first batch is read before the response starts, so a failing query is still an error response.
    first = await iterator.next();
  } catch (error) {
    release();
    throw error;
  }
  let pending: IteratorResult<R[]> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (header) controller.enqueue(encoder.encode(header));
      },
      async pull(controller) {
        try {
          const next = pending ?? (await iterator.next());
          pending = undefined;
          if (next.done) {
            release();
            controller.close();
            return;
          }
          controller.enqueue(encoder.encode(next.value.map(encode).join('')));
        } catch (error) {
          release();
          onError(error);
          // The response is already under way: end it without the final chunk, so clients see it incomplete.
          controller.error(error);
        }
      },
      async cancel() {
        try {
          await iterator.return?.();
        } finally {
          release();
        }
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * Streaming exports of the collected users, login history and findings: every row matching the listing's filters in the
 * listing's order, as NDJSON or CSV, in one request (one token of the rate limit) with memory independent of
 * the row count.
 */
export function collectedExportRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;
  const slots = new ExportSlots(deps.config.maxConcurrentExports ?? 2);
  const userCsv = csvEncoder(SalesforceUserSchema);
  const loginCsv = csvEncoder(LoginEventSchema);

  const exportResponses = (what: string) => ({
    200: {
      description: `Every matching ${what}, streamed`,
      content: {
        [contentTypes.ndjson]: { schema: z.string() },
        [contentTypes.csv]: { schema: z.string() },
      },
    },
    ...errorResponses(404),
  });

  const respond = async <R, T>(
    c: Context<ApiEnv>,
    format: 'ndjson' | 'csv',
    name: string,
    batches: AsyncIterable<R[]>,
    toJson: (row: R) => T,
    csv: CsvEncoder<T>,
  ) => {
    const release = slots.acquire();
    const body = await streamRows(
      batches,
      format === 'csv' ? (row) => csv.row(toJson(row)) : (row) => JSON.stringify(toJson(row)) + '\n',
      format === 'csv' ? csv.header : '',
      release,
      (error) =>
        deps.logger.warn('export failed while streaming', {
          requestId: c.get('requestId'),
          export: name,
          error: { name: (error as Error).name, message: (error as Error).message },
        }),
    );
    // Through the context, so headers set by middleware (RateLimit-*, request id, security) are kept.
    return c.body(body, 200, {
      'content-type': contentTypes[format],
      'content-disposition': `attachment; filename="${name}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
      'cache-control': 'no-store',
    });
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/users/export',
      tags,
      summary: 'Export collected users',
      description:
        'Every user matching the filters of `GET …/users`, in its order, streamed as NDJSON or CSV.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: UserQuerySchema.extend({ format: FormatQuery }) },
      responses: exportResponses('user'),
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { format, ...filter } = c.req.valid('query');
      return respond(
        c,
        format,
        `users-${integration.id}`,
        keysetBatches(
          (page) => selectUsers(sql, integration.id, filter, page),
          (row) => [row.username, row.id],
          BATCH_ROWS,
        ),
        toUser,
        userCsv,
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/logins/export',
      tags,
      summary: 'Export collected login events',
      description:
        'Every login event matching the filters of `GET …/logins`, newest first, streamed as NDJSON or CSV.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: LoginQuerySchema.extend({ format: FormatQuery }) },
      responses: exportResponses('login event'),
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { format, ...filter } = c.req.valid('query');
      return respond(
        c,
        format,
        `logins-${integration.id}`,
        keysetBatches(
          (page) => selectLogins(sql, integration.id, filter, page),
          (row) => [row.cursor_time, row.id],
          BATCH_ROWS,
        ),
        toLogin,
        loginCsv,
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/findings/export',
      tags: ['Identity insights'],
      summary: 'Export findings',
      description:
        'Every finding matching the filters of `GET …/findings` (kind, severity, status), newest incident first, ' +
        "streamed as NDJSON (the listing's shape) or CSV (the listing's CSV columns).",
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: FindingExportQuery },
      responses: exportResponses('finding'),
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { format, ...filter } = c.req.valid('query');
      return respond(
        c,
        format,
        `findings-${integration.id}`,
        // Thousands per org, off the (integration_id, first_seen_at desc, id desc) index: one cursor is enough.
        selectFindings(sql, integration.id, filter).cursor(BATCH_ROWS),
        toFinding,
        findingCsv,
      ) as never;
    },
  );

  return app;
}
