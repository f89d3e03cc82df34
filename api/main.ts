import { serve } from '@hono/node-server';
import { loadEnvironmentOrExit } from '../platform/env';
import { createSql } from '../platform/database';
import { createLogger } from '../platform/logger';
import { connectClient, temporalSettings } from '../platform/temporal';
import { assertPortFree } from '../dev/ports';
import { createApp } from './app';

const env = loadEnvironmentOrExit(['DATABASE_URL']);
const logger = createLogger(env.LOG_LEVEL, { process: 'api' });
try {
  await assertPortFree(env.API_PORT, 'the HTTP API (API_PORT)', env.API_HOST);
} catch (error) {
  logger.error((error as Error).message);
  process.exit(1);
}
const sql = createSql({
  url: env.DATABASE_URL!,
  poolSize: env.DATABASE_POOL_SIZE,
  applicationName: 'identity-collector-api',
});
const temporal = await connectClient(temporalSettings(env));
const app = createApp({ sql, temporal, logger });
const server = serve({ fetch: app.fetch, port: env.API_PORT, hostname: env.API_HOST }, (info) =>
  logger.info('API listening', { url: `http://${env.API_HOST}:${info.port}` }),
);

async function shutdown(signal: string) {
  logger.info('API shutting down', { signal });
  server.close();
  await Promise.allSettled([sql.end({ timeout: 5 }), temporal.connection.close()]);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
