import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createSql } from '../../platform/database';
import { createLogger } from '../../platform/logger';
import { connectTestServices } from '../support/context';

import type { ApiDependencies } from '../../api/dependencies';
import { testSecrets } from '../support/factories';

function appWith(deps: Pick<ApiDependencies, 'sql' | 'temporal'>) {
  return createApp({
    ...deps,
    logger: createLogger('error'),
    secrets: testSecrets().box,
    now: () => new Date(),
    config: {
      allowLocalSalesforceUrls: false,
      bodyLimitBytes: 65536,
      rateLimitPerMinute: 100,
      taskQueue: 'unused',
    },
  });
}

describe('health endpoints', () => {
  let services: Awaited<ReturnType<typeof connectTestServices>>;
  beforeAll(async () => {
    services = await connectTestServices();
  });
  afterAll(async () => services.close());

  it('/healthz answers without touching dependencies', async () => {
    const app = appWith({ sql: services.sql, temporal: services.temporal });
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz reports PostgreSQL and Temporal ok when both answer', async () => {
    const app = appWith({ sql: services.sql, temporal: services.temporal });
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: { status: 'ok' }, temporal: { status: 'ok' } },
    });
  });

  it('/readyz answers 503 naming PostgreSQL when the database is unreachable', async () => {
    const deadDatabase = new URL(inject('databaseUrl'));
    deadDatabase.port = '1'; // nothing listens on port 1
    const sql = createSql({ url: deadDatabase.toString(), applicationName: 'test' });
    const app = appWith({ sql, temporal: services.temporal });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      checks: { postgres: { status: string }; temporal: { status: string } };
    };
    expect(body.checks.postgres.status).toBe('down');
    expect(body.checks.temporal.status).toBe('ok');
    await sql.end({ timeout: 1 });
  });

  it('/readyz answers 503 naming Temporal when the server is unreachable', async () => {
    // A lazily connecting client to a port where no Temporal server listens.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const temporal = new Client({ connection, namespace: 'default' });
    const app = appWith({ sql: services.sql, temporal });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      checks: { postgres: { status: string }; temporal: { status: string } };
    };
    expect(body.checks.temporal.status).toBe('down');
    expect(body.checks.postgres.status).toBe('ok');
  });
});
