import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  Worker,
  type NativeConnection,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDependencies } from '../activities/dependencies';

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
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.deps.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
    // Give running page loops a moment to finish their current page on shutdown; the cursor makes it safe either way.
    shutdownGraceTime: '5 seconds',
  });
}
