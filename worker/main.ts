import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadEnvironmentOrExit } from '../platform/env';
import { createSql } from '../platform/database';
import { createLogger } from '../platform/logger';
import { survivePostgresClosedSocketWrites } from '../platform/postgres-crash-guard';
import { openSecretBoxOrExit } from '../platform/secrets';
import { connectClient, connectWorkerConnection, temporalSettings } from '../platform/temporal';
import { createSalesforceClientFactory } from '../activities/salesforce/client';
import { ensureReconcilerSchedule } from '../activities/schedules';
import { createWorker } from './create-worker';

// The worker's composition root: configuration, connections, activities, and the polling loop.
const env = loadEnvironmentOrExit(['DATABASE_URL', 'SECRETS_KEY']);
const logger = createLogger(env.LOG_LEVEL, { process: 'worker' });
survivePostgresClosedSocketWrites(logger);
Runtime.install({ logger: new DefaultLogger(env.LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN') });

const settings = temporalSettings(env);
const sql = createSql({
  url: env.DATABASE_URL!,
  poolSize: env.DATABASE_POOL_SIZE,
  applicationName: 'identity-collector-worker',
  // The longest statement is a findings recompute over a big org (minutes); page writes take milliseconds.
  statementTimeoutMs: 15 * 60_000,
  idleInTransactionTimeoutMs: 60_000,
});
const secrets = await openSecretBoxOrExit(env, sql, logger);
const temporal = await connectClient(settings);
const connection = await connectWorkerConnection(settings);
const salesforce = createSalesforceClientFactory({ allowLocalUrls: env.ALLOW_LOCAL_SALESFORCE_URLS });
const bundleDir = mkdtempSync(join(tmpdir(), 'identity-collector-workflows-'));
const codePath = join(bundleDir, 'workflows.js');
execFileSync(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./bundle-workflows.ts', import.meta.url)), codePath],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const worker = await createWorker({
  connection,
  workflowBundle: { codePath },
  namespace: settings.namespace,
  maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentCollectionActivities: env.WORKER_MAX_COLLECTION_ACTIVITIES,
  deps: {
    sql,
    temporal,
    secrets,
    salesforce,
    logger,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    now: () => new Date(),
    collectionSliceMs: env.COLLECTION_SLICE_SECONDS * 1000,
  },
});
if (env.RECONCILER_ENABLED) await ensureReconcilerSchedule(temporal, env.TEMPORAL_TASK_QUEUE);
logger.info('worker polling', {
  taskQueue: worker.taskQueue,
  namespace: settings.namespace,
  temporal: settings.address,
});

// The SDK already shuts the worker down on SIGINT/SIGTERM (Runtime shutdownSignals); we only log it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => logger.info('worker shutting down', { signal }));
}
await worker.run();
await Promise.allSettled([
  salesforce.close(),
  sql.end({ timeout: 5 }),
  temporal.connection.close(),
  connection.close(),
]);
rmSync(bundleDir, { recursive: true, force: true });
logger.info('worker stopped');
