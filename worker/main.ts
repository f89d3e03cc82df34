import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironmentOrExit, localSalesforceUrls } from '../platform/env';
import { createSql } from '../platform/database';
import { createLogger } from '../platform/logger';
import { survivePostgresClosedSocketWrites } from '../platform/postgres-crash-guard';
import { openSecretBoxOrExit } from '../platform/secrets';
import { connectClient, connectWorkerConnection, temporalSettings } from '../platform/temporal';
import { createSalesforceClientFactory } from '../salesforce/client';
import { ensureReconcilerSchedule } from '../activities/schedules';
import { assertPortFree, freePort } from '../platform/ports';
import { createMetricsRegistry } from '../platform/metrics';
import { createWorker, type CollectorWorker } from './create-worker';
import { startWorkerHttpServer } from './http-server';
import { WorkerMetrics } from './metrics';
import { installTemporalRuntime } from './temporal-runtime';
import { prebuiltWorkflowBundle } from './workflow-bundle';

// The worker's composition root: configuration, connections, activities, and the polling loop.
const env = loadEnvironmentOrExit(['DATABASE_URL', 'SECRETS_KEY']);
const logger = createLogger(env.LOG_LEVEL, { process: 'worker' });
survivePostgresClosedSocketWrites(logger);
try {
  if (env.WORKER_HTTP_PORT !== 0)
    await assertPortFree(
      env.WORKER_HTTP_PORT,
      "the worker's health and metrics endpoint (WORKER_HTTP_PORT)",
      env.WORKER_HTTP_HOST,
    );
} catch (error) {
  logger.error((error as Error).message);
  process.exit(1);
}
// The runtime's exporter listens on loopback only; /metrics on WORKER_HTTP_PORT serves it with ours.
const temporalMetricsPort = await freePort();
installTemporalRuntime({
  logger,
  level: env.LOG_LEVEL,
  metricsBindAddress: `127.0.0.1:${temporalMetricsPort}`,
});
const metrics = new WorkerMetrics(createMetricsRegistry('worker'));
// /healthz answers "starting" (503) from the moment the port is open until the SDK workers exist.
const started: { worker?: CollectorWorker } = {};
const http = await startWorkerHttpServer({
  host: env.WORKER_HTTP_HOST,
  port: env.WORKER_HTTP_PORT,
  health: { states: () => started.worker?.states() },
  registry: metrics.registry,
  temporalMetricsUrl: `http://127.0.0.1:${temporalMetricsPort}/metrics`,
});

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
const salesforce = createSalesforceClientFactory({
  allowLocalUrls: localSalesforceUrls(env),
  metrics,
});
// The compiled worker (npm run build) loads the prebuilt bundle; under tsx the workflows are bundled now, in a
// short-lived child so webpack's memory goes back to the OS.
const prebuilt = prebuiltWorkflowBundle(import.meta.url);
const bundleDir = prebuilt ? undefined : mkdtempSync(join(tmpdir(), 'identity-collector-workflows-'));
const codePath = prebuilt ?? join(bundleDir!, 'workflows.js');
if (!prebuilt) {
  execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./bundle-workflows.ts', import.meta.url)), codePath],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}
const worker = await createWorker({
  connection,
  workflowBundle: { codePath },
  namespace: settings.namespace,
  maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
  maxConcurrentCollectionActivities: env.WORKER_MAX_COLLECTION_ACTIVITIES,
  ...(env.WORKER_MAX_PAGES_IN_FLIGHT ? { maxPagesInFlight: env.WORKER_MAX_PAGES_IN_FLIGHT } : {}),
  deps: {
    sql,
    temporal,
    secrets,
    salesforce,
    logger,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    now: () => new Date(),
    collectionSliceMs: env.COLLECTION_SLICE_SECONDS * 1000,
    metrics,
  },
});
started.worker = worker;
if (env.RECONCILER_ENABLED) await ensureReconcilerSchedule(temporal, env.TEMPORAL_TASK_QUEUE);
logger.info('worker polling', {
  taskQueue: worker.taskQueue,
  namespace: settings.namespace,
  temporal: settings.address,
  health: `${http.url}/healthz`,
  metrics: `${http.url}/metrics`,
});

// The SDK already shuts the worker down on SIGINT/SIGTERM (Runtime shutdownSignals); we only log it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => logger.info('worker shutting down', { signal }));
}
await worker.run();
await Promise.allSettled([
  http.close(),
  salesforce.close(),
  sql.end({ timeout: 5 }),
  temporal.connection.close(),
  connection.close(),
]);
if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
logger.info('worker stopped');
