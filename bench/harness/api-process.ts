import { spawn } from 'node:child_process';
import { freePort } from '../../platform/ports';
import { onCleanup } from './cleanup';
import { entryPoints } from './runtime';
import type { Stack } from './stack';

export interface ApiProcess {
  url: string;
  pid: number;
  alive(): boolean;
  stop(): Promise<void>;
}

/** The production API entry point (api/main.ts, or dist/api/main.js with `--compiled`) as a child process listening on a free port. */
export async function startApi(stack: Stack, extraEnv: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, entryPoints().args('api/main'), {
    env: {
      ...process.env,
      DATABASE_URL: stack.pg.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      SECRETS_KEY: stack.secrets.key,
      SECRETS_KEY_ID: stack.secrets.keyId,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      LOG_LEVEL: 'error',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const api: ApiProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    alive,
    async stop() {
      if (!alive()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
  onCleanup(`API ${child.pid}`, () => api.stop());
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive()) throw new Error('the API process exited during start-up');
    try {
      if ((await fetch(`${api.url}/readyz`)).ok) return api;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the API did not become ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
