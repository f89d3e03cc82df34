import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const workerScript = fileURLToPath(new URL('../worker/main.ts', import.meta.url));

/**
 * The worker's V8 heap bounds, as `npm run worker` sets them (package.json): old space capped so garbage from
 * 2,000-record pages is collected instead of growing the heap towards V8's default (a quarter of the machine's
 * memory), and a smaller young generation (semi-space 8 MB instead of 16 MB).
 */
export const WORKER_HEAP_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=8'];

export interface WorkerProcessSettings {
  databaseUrl: string;
  temporalAddress: string;
  secretsKey: string;
  secretsKeyId: string;
  taskQueue: string;
  /** More environment variables (e.g. COLLECTION_SLICE_SECONDS), applied last. */
  env?: Record<string, string>;
  /** Node arguments naming the entry point; default worker/main.ts through tsx (benches pass the compiled one). */
  entry?: string[];
}

export interface WorkerProcess {
  process: ChildProcess;
  pid: number;
  /** kill -9, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * The production worker entry point (worker/main.ts) as a child process, like `npm run worker`: one node
 * process (`node --import tsx`, no wrapper that could be orphaned), so a test or a drill can kill -9 exactly
 * it. For tests and benches: the orgs live on the loopback simulator and the reconciler stays off.
 */
export function spawnWorkerProcess(settings: WorkerProcessSettings): WorkerProcess {
  const entry = settings.entry ?? ['--import', 'tsx', workerScript];
  const child = spawn(process.execPath, [...WORKER_HEAP_FLAGS, ...entry], {
    env: {
      ...process.env,
      DATABASE_URL: settings.databaseUrl,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      SECRETS_KEY: settings.secretsKey,
      SECRETS_KEY_ID: settings.secretsKeyId,
      TEMPORAL_TASK_QUEUE: settings.taskQueue,
      RECONCILER_ENABLED: 'false',
      ALLOW_LOCAL_SALESFORCE_URLS: 'true',
      LOG_LEVEL: 'error',
      // Several workers may run at once: each takes a free port for /healthz and /metrics.
      WORKER_HTTP_PORT: '0',
      ...settings.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    pid: child.pid!,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}
