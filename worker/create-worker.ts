import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  Worker,
  type NativeConnection,
  type State,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import type { ActivityDependencies } from '../activities/dependencies';
import { collectionTaskQueue } from '../workflows/definitions';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles the workflow code once; workers (and tests) reuse the bundle instead of re-bundling per worker. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDependencies;
  /** A prebuilt bundle (in memory or a file); without one the worker bundles workflows itself. */
  workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string };
  /** Slots for interactive activities: Test Connectivity, run bookkeeping, schedules (short, many). */
  maxConcurrentActivityTaskExecutions?: number;
  /** Slots for bulk collection slices and findings recomputes (long, memory-bound: two pages each). */
  maxConcurrentCollectionActivities?: number;
  /**
   * Replaces named activities. Only for a Temporal server that lacks a feature the real activity needs (the
   * time-skipping test server has no Schedules); never to fake the thing under test.
   */
  activityOverrides?: Partial<Activities>;
  /**
   * Workflows kept in memory between tasks (SDK default when unset). 0 turns sticky queues off: the
   * time-skipping test server does not move a dead worker's sticky queries elsewhere, so a test that restarts
   * its worker there needs it.
   */
  maxCachedWorkflows?: number;
}

/**
 * The worker process's two pollers. Workflows and interactive activities share the product's task queue; bulk
 * collection has its own queue and slot budget, so a fleet of orgs paging for hours never makes Test
 * Connectivity wait (https://docs.temporal.io/develop/worker-performance#task-queues-and-slots).
 */
export class CollectorWorker {
  constructor(
    readonly interactive: Worker,
    readonly collection: Worker,
  ) {}

  get taskQueue(): string {
    return this.interactive.options.taskQueue;
  }

  getState(): State {
    return this.interactive.getState();
  }

  /** Each SDK worker's state by task queue (the worker's /healthz). */
  states(): Record<string, State> {
    return {
      [this.interactive.options.taskQueue]: this.interactive.getState(),
      [this.collection.options.taskQueue]: this.collection.getState(),
    };
  }

  async run(): Promise<void> {
    const results = await Promise.allSettled([this.interactive.run(), this.collection.run()]);
    // One poller failing must not leave the other running alone.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  shutdown(): void {
    for (const worker of [this.interactive, this.collection]) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }

  async runUntil<R>(work: () => Promise<R>): Promise<R> {
    const done = work();
    const [result] = await Promise.all([this.interactive.runUntil(done), this.collection.runUntil(done)]);
    return result;
  }
}

export async function createWorker(options: WorkerOptions): Promise<CollectorWorker> {
  const activities = { ...createActivities(options.deps), ...options.activityOverrides };
  const interactive = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.deps.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    shutdownGraceTime: '5 seconds',
  });
  const collection = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: collectionTaskQueue(options.deps.taskQueue),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentCollectionActivities ?? 8,
    // Give running page loops a moment to finish their current page on shutdown; the cursor makes it safe either way.
    shutdownGraceTime: '5 seconds',
  });
  return new CollectorWorker(interactive, collection);
}
