import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../../../api/app';
import type { ApiConfig, ApiDependencies } from '../../../api/dependencies';
import { createApiKey, createTenant } from '../../../platform/api-keys';
import { createLogger } from '../../../platform/logger';
import type { TestServices } from '../../support/context';
import { testSecrets } from '../../support/factories';

export type Services = TestServices;

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
 * JSON requests with a bearer key; returns status, headers, the parsed body and the raw text. A test that reads
 * the body states its type with the types the routes' schemas export (api/schemas/*, Page in
 * api/pagination.ts, ErrorBody in api/errors.ts): `await api<Page<Integration>>('GET', '/v1/integrations')`;
 * unstated, it is `unknown`.
 */
export function client(app: App, key: string | undefined) {
  return async <Body = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<Body>> => {
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
    return { status: res.status, headers: res.headers, body: json as Body, text };
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
