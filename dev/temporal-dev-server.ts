import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
// @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot see; take the default export.
import proto from '@temporalio/proto';

const { temporal } = proto;
import Long from 'long';
import { customSearchAttributes } from '../workflows/search-attributes';

export interface DevServerOptions {
  executable: string;
  port: number;
  /** Web UI port, or undefined for a headless server (tests). */
  uiPort?: number;
  /** SQLite file for persistence; undefined keeps state in memory. */
  dbFile?: string;
  namespace: string;
  retentionHours: number;
  logLevel?: 'warn' | 'error';
  startupTimeoutMs?: number;
  /** `--dynamic-config-value KEY=VALUE` pairs, e.g. a low limit.historyCount.suggestContinueAsNew for tests. */
  dynamicConfig?: Record<string, string | number>;
}

export interface RunningDevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const indexedTypes = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

/**
 * Task queue fairness (Temporal Server ≥ 1.29): integration workflows carry their tenant as fairness key, so one
 * tenant's backlog of collection slices cannot hold every worker slot while others wait. Fairness holds within
 * a task queue partition, so the single-node dev server keeps one partition per queue.
 * https://docs.temporal.io/develop/task-queue-priority-fairness
 */
export const fairDispatch: Record<string, string> = {
  'matching.enableFairness': 'true',
  'matching.numTaskqueueReadPartitions': '1',
  'matching.numTaskqueueWritePartitions': '1',
};

/**
 * Starts `temporal server start-dev` and waits until it answers. The SDK's own starter gives up after 5 s,
 * too short for a cold start on a 2-core machine, so we own the process and the wait.
 */
export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    options.logLevel ?? 'error',
    ...(options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...customSearchAttributes.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]),
    ...Object.entries({ ...fairDispatch, ...options.dynamicConfig }).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${value}`,
    ]),
  ];
  const child = spawn(options.executable, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  let connection: Connection | undefined;
  while (!connection) {
    if (exited) throw new Error(`Temporal dev server ${exited} before it answered on ${address}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `Temporal dev server did not answer on ${address} within ${options.startupTimeoutMs ?? 60_000} ms`,
      );
    }
    let candidate: Connection | undefined;
    try {
      candidate = await Connection.connect({ address, connectTimeout: 1000 });
      await candidate.workflowService.describeNamespace({ namespace: options.namespace });
      connection = candidate;
    } catch {
      await candidate?.close();
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await registerSearchAttributes(connection, options.namespace);
    await setRetention(connection, options.namespace, options.retentionHours);
  } catch (error) {
    // Do not leave a half-configured server running behind a failed start.
    child.kill('SIGKILL');
    throw error;
  } finally {
    await connection.close();
  }

  return {
    address,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited || child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        // SIGTERM lets the dev server close its SQLite file cleanly.
        child.kill('SIGTERM');
      }),
  };
}

/**
 * `--search-attribute` only takes effect when the namespace is first created, so on a persisted database we
 * add missing attributes through the operator API too (idempotently).
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = customSearchAttributes.filter((a) => !(a.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((a) => [a.name, indexedTypes[a.type as keyof typeof indexedTypes]]),
    ),
  });
}

/** Dev namespaces keep closed workflows 24 h; operators need finished runs inspectable for longer. */
export async function setRetention(connection: Connection, namespace: string, hours: number): Promise<void> {
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: { seconds: Long.fromNumber(hours * 3600) } },
  });
}
