import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const workerScript = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));

/**
 * The production worker entry point as a real child process, so a test can `kill -9` it mid-collection.
 */
export function spawnWorkerProcess(env: {
  databaseUrl: string;
  temporalAddress: string;
  secretsKey: string;
  secretsKeyId: string;
  taskQueue: string;
}): { process: ChildProcess; kill(): Promise<void>; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
      SECRETS_KEY: env.secretsKey,
      SECRETS_KEY_ID: env.secretsKeyId,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      RECONCILER_ENABLED: 'false',
      // Test orgs live on the loopback simulator.
      ALLOW_LOCAL_SALESFORCE_URLS: 'true',
      LOG_LEVEL: 'error',
      // Several workers may run at once: each takes a free port for /healthz and /metrics.
      WORKER_HTTP_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
