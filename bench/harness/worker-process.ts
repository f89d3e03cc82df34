import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { onCleanup } from './cleanup';
import { entryPoints } from './runtime';
import type { Stack } from './stack';

/**
 * The worker's V8 heap bounds, as `npm run worker` sets them (package.json): old space capped so garbage from
 * 2,000-record pages is collected instead of growing the heap towards V8's default (a quarter of the machine's
 * memory), and a smaller young generation (semi-space 8 MB instead of 16 MB).
 */
export const WORKER_HEAP_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=8'];

export interface WorkerProcess {
  process: ChildProcess;
  pid: number;
  /** kill -9, and wait until the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * The production worker entry point as a child process, like `npm run worker` (or `npm run worker:prod` with
 * `--compiled`): one node process, no wrapper that could be orphaned, so a drill can kill -9 exactly it.
 */
export function spawnWorker(
  stack: Stack,
  taskQueue = stack.taskQueue,
  extraEnv: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(process.execPath, [...WORKER_HEAP_FLAGS, ...entryPoints().args('worker/main')], {
    env: {
      ...process.env,
      DATABASE_URL: stack.pg.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      SECRETS_KEY: stack.secrets.key,
      SECRETS_KEY_ID: stack.secrets.keyId,
      TEMPORAL_TASK_QUEUE: taskQueue,
      RECONCILER_ENABLED: 'false',
      // Bench orgs live on the loopback simulator.
      ALLOW_LOCAL_SALESFORCE_URLS: 'true',
      LOG_LEVEL: 'error',
      // As production launches it (`npm run worker:prod`, docker-compose.yml): two glibc malloc arenas.
      MALLOC_ARENA_MAX: '2',
      // Several workers may run at once: each takes a free port for /healthz and /metrics.
      WORKER_HTTP_PORT: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const worker: WorkerProcess = {
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
  onCleanup(`worker ${child.pid}`, () => worker.kill());
  return worker;
}

/** VmHWM (peak resident set) and VmRSS of a process in bytes, from /proc (Linux). */
export function memoryOf(pid: number | 'self'): { hwm: number; rss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { hwm: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's peak RSS every `everyMs`; VmHWM is the kernel's own high-water mark, so short peaks count. */
export function sampleMemory(pid: number | 'self', everyMs = 500) {
  let peak = 0;
  let samples = 0;
  const take = () => {
    const memory = memoryOf(pid);
    if (!memory) return;
    samples += 1;
    peak = Math.max(peak, memory.hwm, memory.rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { peakBytes: peak, samples };
    },
  };
}

/** Resets a process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`); ignored where unsupported. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not Linux, or not permitted: VmHWM then includes start-up
  }
}

export interface SupervisedWorker {
  /** Unexpected exits (code or signal) that were followed by a restart. */
  readonly crashes: string[];
  current(): WorkerProcess;
  stop(): Promise<void>;
}

/**
 * A worker restarted whenever it exits on its own, like a process supervisor (systemd, Kubernetes, compose
 * `restart:`) would in production; the drill reports every such crash.
 */
export function superviseWorker(stack: Stack, taskQueue: string): SupervisedWorker {
  const crashes: string[] = [];
  let stopping = false;
  let worker: WorkerProcess;
  const start = () => {
    worker = spawnWorker(stack, taskQueue);
    worker.process.once('exit', (code, signal) => {
      if (stopping) return;
      crashes.push(`exit ${signal ?? code}`);
      start();
    });
  };
  start();
  return {
    crashes,
    current: () => worker,
    async stop() {
      stopping = true;
      await worker.stop();
    },
  };
}
