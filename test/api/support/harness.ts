import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../../../api/app';
import type { ApiConfig, ApiDependencies } from '../../../api/dependencies';
import { createApiKey, createTenant } from '../../../platform/api-keys';
import { createLogger } from '../../../platform/logger';
import type { connectTestServices } from '../../support/context';
import { testSecrets } from '../../support/factories';

export type Services = Awaited<ReturnType<typeof connectTestServices>>;

/** Log lines captured in memory, so tests can assert what was (and was not) logged. */
export function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger('debug', { process: 'api-test' }, (line) => lines.push(line));
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** The API over the run's real PostgreSQL and Temporal, with its own task queue and captured logs. */
export function buildTestApp(
  services: Services,
  overrides: Partial<Omit<ApiDependencies, 'config'>> & { config?: Partial<ApiConfig> } = {},
) {
  const log = capturedLogger();
  const secrets = overrides.secrets ?? testSecrets().box;
  const deps: ApiDependencies = {
    sql: services.sql,
    temporal: services.temporal,
    logger: log.logger,
    secrets,
    now: () => new Date(),
    ...overrides,
    config: {
      allowLocalSalesforceUrls: false,
      bodyLimitBytes: 65536,
      rateLimitPerMinute: 10_000,
      taskQueue: `api-test-${randomUUID()}`,
      workflowUpdateTimeoutMs: 20_000,
      ...overrides.config,
    },
  };
  const app = createApp(deps);
  return { app, deps, log, secrets };
}

/** A new tenant with one API key; names are unique so test files never collide. */
export async function tenantWithKey(services: Services, label = 'tenant') {
  const tenant = await createTenant(services.sql, `${label}-${randomUUID()}`);
  const { key, record } = await createApiKey(services.sql, { tenantName: tenant.name, name: 'test' });
  return { tenant, key, keyId: record.id };
}

type App = ReturnType<typeof createApp>;

/** An answer of the API: status, headers, the parsed JSON body and the raw text. */
export interface Answer<Body> {
  status: number;
  headers: Headers;
  body: Body;
  text: string;
}

/**
 * A parsed body whose shape the test did not state. A test that reads fields names the answer's type
 * instead, with the types the routes' schemas export (api/schemas/*, Page in api/pagination.ts, ErrorBody in
 * api/errors.ts): `const page: Answer<Page<Integration>> = await api('GET', '/v1/integrations')`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UnstatedBody = any;

/** JSON requests with a bearer key; returns status, headers, the parsed body (as `Body`) and the raw text. */
export function client(app: App, key: string | undefined) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<UnstatedBody>> => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: json, text };
  };
}

export function validIntegration(overrides: Record<string, unknown> = {}) {
  return {
    displayName: 'Acme production',
    salesforceUrl: `https://acme-${randomUUID().slice(0, 8)}.my.salesforce.com`,
    consumerKey: '3MVG9' + randomBytes(20).toString('hex'),
    consumerSecret: 'S3CR3T' + randomBytes(16).toString('hex').toUpperCase(),
    ...overrides,
  };
}
