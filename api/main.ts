import { serve } from '@hono/node-server';
import { loadEnvironmentOrExit, localSalesforceUrls } from '../platform/env';
import { createSql } from '../platform/database';
import { createLogger } from '../platform/logger';
import { survivePostgresClosedSocketWrites } from '../platform/postgres-crash-guard';
import { openSecretBoxOrExit } from '../platform/secrets';
import { connectClient, temporalSettings } from '../platform/temporal';
import { assertPortFree } from '../platform/ports';
import { createMetricsRegistry } from '../platform/metrics';
import { createApp } from './app';

const env = loadEnvironmentOrExit(['DATABASE_URL', 'SECRETS_KEY']);
const logger = createLogger(env.LOG_LEVEL, { process: 'api' });
survivePostgresClosedSocketWrites(logger);
try {
  await assertPortFree(env.API_PORT, 'the HTTP API (API_PORT)', env.API_HOST);
} catch (error) {
  logger.error((error as Error).message);
  process.exit(1);
}
if (env.ALLOW_LOCAL_SALESFORCE_URLS) {
  logger.warn(
    `ALLOW_LOCAL_SALESFORCE_URLS is on: local simulator URLs are accepted (${
      env.LOCAL_SALESFORCE_PORTS ? `ports ${env.LOCAL_SALESFORCE_PORTS.join(', ')}` : 'any port'
    }). Never enable in production.`,
  );
}
const sql = createSql({
  url: env.DATABASE_URL!,
  poolSize: env.DATABASE_POOL_SIZE,
  applicationName: 'identity-collector-api',
  statementTimeoutMs: env.API_STATEMENT_TIMEOUT_MS,
});
const reportSql = createSql({
  url: env.DATABASE_URL!,
  poolSize: env.API_REPORT_POOL_SIZE,
  applicationName: 'identity-collector-api-reports',
  statementTimeoutMs: env.API_REPORT_STATEMENT_TIMEOUT_MS,
});
const secrets = await openSecretBoxOrExit(env, sql, logger);
const temporal = await connectClient(temporalSettings(env));
const app = createApp({
  sql,
  reportSql,
  temporal,
  logger,
  metrics: createMetricsRegistry('api'),
  secrets,
  now: () => new Date(),
  config: {
    allowLocalSalesforceUrls: localSalesforceUrls(env),
    bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: env.API_AUTH_FAILURES_PER_MINUTE,
    reportsPerTenant: env.API_REPORTS_PER_TENANT,
    maxIntegrationsPerTenant: env.MAX_INTEGRATIONS_PER_TENANT,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    ...(env.TEMPORAL_UI_URL
      ? { temporalUi: { url: env.TEMPORAL_UI_URL, namespace: env.TEMPORAL_NAMESPACE } }
      : {}),
  },
});
const server = serve({ fetch: app.fetch, port: env.API_PORT, hostname: env.API_HOST }, (info) =>
  logger.info('API listening', { url: `http://${env.API_HOST}:${info.port}`, docs: '/docs' }),
);

async function shutdown(signal: string) {
  logger.info('API shutting down', { signal });
  server.close();
  await Promise.allSettled([
    sql.end({ timeout: 5 }),
    reportSql.end({ timeout: 5 }),
    temporal.connection.close(),
  ]);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
