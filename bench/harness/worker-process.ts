import { spawnWorkerProcess, type WorkerProcess } from '../../dev/worker-process';
import { readFileSync, writeFileSync } from 'node:fs';
import { onCleanup } from './cleanup';
import { entryPoints } from './runtime';
import type { Stack } from './stack';

export type { WorkerProcess } from '../../dev/worker-process';

/**
 * The production worker entry point as a child process (dev/worker-process.ts), like `npm run worker` (or
 * `npm run worker:prod` with `--compiled`), stopped when the bench ends.
 */
export function spawnWorker(
  stack: Stack,
  taskQueue = stack.taskQueue,
  extraEnv: Record<string, string> = {},
): WorkerProcess {
  const worker = spawnWorkerProcess({
    databaseUrl: stack.pg.url,
    temporalAddress: stack.temporal.address,
    secretsKey: stack.secrets.key,
    secretsKeyId: stack.secrets.keyId,
    taskQueue,
    entry: entryPoints().args('worker/main'),
    // As production launches it (`npm run worker:prod`, docker-compose.yml): two glibc malloc arenas.
    env: { MALLOC_ARENA_MAX: '2', ...extraEnv },
  });
  onCleanup(`worker ${worker.pid}`, () => worker.kill());
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
