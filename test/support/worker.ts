import { randomUUID } from 'node:crypto';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Sql } from '../../platform/database';
import { createLogger, type Logger } from '../../platform/logger';
import type { SecretBox } from '../../platform/secrets';
import { createSalesforceClientFactory } from '../../salesforce/client';
import { bundleWorkflows, createWorker, type CollectorWorker } from '../../worker/create-worker';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectTestServices, type TestServices } from './context';
import { createTestIntegration, testSecrets, type TestOrg } from './factories';
import { expectInitialCollectionComplete, startIntegrationWorkflow } from './integrations';

// Worker state changes at INFO drown test output; keep warnings. Only the first install per process counts.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by another test module in this process
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Workflow code bundled once per test file (bundling takes about a second). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export interface TestWorker {
  worker: CollectorWorker;
  taskQueue: string;
  client: Client;
  stop(): Promise<void>;
}

/**
 * A real worker on the run's Temporal server, polling its own task queue so tests never share work.
 * `taskQueue` defaults to the product's queue name plus a random suffix; pass the same name to restart.
 */
export async function startTestWorker(options: {
  sql: Sql;
  temporalAddress: string;
  secrets: SecretBox;
  taskQueue?: string;
  logger?: Logger;
  now?: () => Date;
  /** Shorter collection slices make a test cross many activities (and continue-as-new points). */
  collectionSliceMs?: number;
}): Promise<TestWorker> {
  const taskQueue = options.taskQueue ?? `identity-collector-test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const clientConnection = await Connection.connect({ address: options.temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  const salesforce = createSalesforceClientFactory({ allowLocalUrls: true });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    workflowBundle: await workflowBundle(),
    deps: {
      sql: options.sql,
      temporal: client,
      secrets: options.secrets,
      salesforce,
      logger: options.logger ?? createLogger('error'),
      taskQueue,
      now: options.now ?? (() => new Date()),
      collectionSliceMs: options.collectionSliceMs,
    },
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    client,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await salesforce.close();
      await connection.close();
      await clientConnection.close();
    },
  };
}

export interface WorkerStack {
  services: TestServices;
  simulator: RunningSimulator;
  worker: TestWorker;
  secrets: ReturnType<typeof testSecrets>;
  close(): Promise<void>;
}

/**
 * The run's PostgreSQL and Temporal dev server, the Salesforce simulator and a real worker on its own task
 * queue, with one secrets key for whatever the test writes: the stack of every end-to-end test file.
 */
export async function startWorkerStack(options: { logger?: Logger } = {}): Promise<WorkerStack> {
  const services = await connectTestServices();
  const simulator = await startSimulator({ port: 0 });
  const secrets = testSecrets();
  const worker = await startTestWorker({
    sql: services.sql,
    temporalAddress: inject('temporalAddress'),
    secrets: secrets.box,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    services,
    simulator,
    worker,
    secrets,
    async close() {
      await worker.stop();
      await simulator.close();
      await services.close();
    },
  };
}

/**
 * startWorkerStack for the calling describe block: started before its first test, closed after its last. The
 * returned object's fields are set once its beforeAll has run, so tests read them inside their bodies.
 */
export function useWorkerStack(options: { logger?: Logger } = {}): WorkerStack {
  const stack = {} as WorkerStack;
  let started: WorkerStack | undefined;
  beforeAll(async () => {
    started = await startWorkerStack(options);
    Object.assign(stack, started);
  });
  afterAll(async () => {
    await started?.close();
  });
  return stack;
}

/**
 * An integration of a simulated org written as the API writes it, with its workflow started on the stack's
 * worker (it waits for Test Connectivity): where every end-to-end scenario begins.
 */
export async function startOrgIntegration(
  stack: WorkerStack,
  org: TestOrg,
  options: Record<string, unknown> = {},
) {
  const ids = await createTestIntegration(stack.services.sql, { secrets: stack.secrets.box, org, options });
  const handle = await startIntegrationWorkflow(stack.services.temporal, ids, stack.worker.taskQueue);
  return { ids, handle };
}

/** expectInitialCollectionComplete for an integration of a stack's simulator org: every login of the org arrived. */
export function expectOrgCollected(
  stack: WorkerStack,
  handle: WorkflowHandle,
  ids: { integrationId: string },
  org: { key: string },
  timeoutMs?: number,
) {
  const logins = stack.simulator.simulator.control.objectCounts(org.key).LoginHistory;
  return expectInitialCollectionComplete(handle, stack.services.sql, ids.integrationId, logins, timeoutMs);
}
