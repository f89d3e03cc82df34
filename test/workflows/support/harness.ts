import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, inject, vi } from 'vitest';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../../activities';
import type { CollectObjectResult } from '../../../activities/collection';
import {
  collectionRunWorkflowId,
  collectionTaskQueue,
  integrationWorkflowId,
  statusQuery,
  workflowTypes,
  type ActiveRun,
  type CarriedState,
  type CollectionRunInput,
  type CollectionRunOutcome,
  type ConnectivityResult,
  type IntegrationState,
  type IntegrationStatus,
  type RunKind,
  type RunPhase,
} from '../../../workflows/definitions';
import type { integrationWorkflow } from '../../../workflows/integration';
import { emptyState } from '../../../workflows/integration-state';
import { startTimeSkippingEnvironment } from '../../support/time-skipping';
import { phasesQuery, type RunParentInput } from './run-parent';

/**
 * The fast workflow tier: the product's workflow code on Temporal's time-skipping test server, with every
 * activity replaced by a recording mock (as temporalio/samples-typescript's hello-world mocha test and
 * Airbyte's ConnectionManagerWorkflowTest do). No PostgreSQL, no Salesforce, no dev server: a test sets up a
 * state, sends one message and checks the transition, the activity calls and the timers, in well under a second
 * of real time even when the workflow sleeps for a day.
 */

// Workflows of this tier log their expected failures (a failed step, a failed run) at WARN; keep errors only.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this process
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Tier {
  env: TestWorkflowEnvironment;
  /** The file's task queue: its two workers (workflows, collection) serve every scenario of the file. */
  taskQueue: string;
}

/**
 * One time-skipping server and one pair of workers per test file (the server's clock is shared, so files do not
 * share a server; a worker takes over a second to load the bundle, so tests share it). The bundle itself is built
 * once per run (global-setup.ts).
 * Each test's `scenario()` gets its own integration id; activities find the test's mocks by the workflow id of
 * their caller, and every workflow a test started is terminated after it.
 */
export function useTier(): Tier {
  const tier = { taskQueue: `fast-tier-${randomUUID()}` } as Tier;
  const workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  beforeAll(async () => {
    const env = await startTimeSkippingEnvironment();
    tier.env = env;
    const common = {
      connection: env.nativeConnection,
      namespace: 'default',
      activities: dispatchingActivities(),
      shutdownGraceTime: '1 second',
      // Heartbeats (and with them cancellations) go through at once, not after 80% of the heartbeat timeout.
      maxHeartbeatThrottleInterval: '50 milliseconds',
    } as const;
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: tier.taskQueue,
        workflowBundle: { codePath: inject('fastTierBundlePath') },
      }),
      await Worker.create({ ...common, taskQueue: collectionTaskQueue(tier.taskQueue) }),
    );
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterEach(async () => {
    for (const s of [...live.values()]) await s.stop();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await tier.env?.teardown();
  });
  return tier;
}

/** The scenarios of the running test, by integration id. */
const live = new Map<string, Scenario>();

/** Every activity, forwarding to the mocks of the scenario whose workflow called it. */
function dispatchingActivities(): Record<ActivityName, (input: unknown) => Promise<unknown>> {
  const names = Object.keys(defaultMocks(new Scenario({} as Tier, {}))) as ActivityName[];
  return Object.fromEntries(
    names.map((name) => [
      name,
      (input: unknown) => {
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
        const owner = [...live.values()].find((s) => workflowId.startsWith(s.workflowId));
        if (!owner) throw nonRetryable('TestOver', `no scenario owns ${workflowId}`);
        return owner.call(name, input);
      },
    ]),
  ) as never;
}

type ActivityName = keyof Activities;
type Mock<K extends ActivityName> = (
  ...args: Parameters<Activities[K]>
) => Promise<Awaited<ReturnType<Activities[K]>>>;
export type Mocks = { [K in ActivityName]?: Mock<K> };
export type Input<K extends ActivityName> = Parameters<Activities[K]>[0];

export interface ActivityCall {
  name: ActivityName;
  input: unknown;
}

/** The server's clock as the activity saw it when scheduled (the time-skipping server runs ahead of Date.now()). */
export function serverNow(): number {
  return Context.current().info.currentAttemptScheduledTimestampMs;
}

export const connected: ConnectivityResult = {
  ok: true,
  message: 'Connected!',
  edition: 'Enterprise Edition',
  orgId: '00D000000000001',
  apiUsage: { used: 120, max: 15_000, percent: 0.8 },
  checkedAt: '2026-01-01T00:00:00.000Z',
};

export function failedTest(code = 'INVALID_CLIENT'): ConnectivityResult {
  return {
    ok: false,
    code,
    message: `Salesforce refused the test (${code}).`,
    fix: 'Check the Connected App.',
    checkedAt: '2026-01-01T00:00:00.000Z',
  };
}

export const completed: CollectObjectResult = {
  outcome: 'completed',
  pages: 1,
  records: 10,
  apiCalls: 1,
  usage: { used: 200, max: 15_000 },
};

/** A slice that stopped at the daily threshold, to resume `resumeInMs` after it was scheduled. */
export function quotaPaused(resumeInMs = DAY, extra: Partial<CollectObjectResult> = {}): CollectObjectResult {
  return {
    outcome: 'quota_paused',
    reason: 'daily_threshold',
    used: 11_250,
    max: 15_000,
    observedAt: new Date(serverNow()).toISOString(),
    thresholdPercent: 75,
    runApiCalls: 40,
    collectedPages: 3,
    resumeAt: new Date(serverNow() + resumeInMs).toISOString(),
    ...extra,
  } as CollectObjectResult;
}

/** A failure no retry fixes, as the real activities raise them (retry policies list these types). */
export function nonRetryable(
  type: string,
  message = `${type} (mock)`,
  details?: unknown,
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : [] });
}

export const setupProblem = {
  code: 'missing_permission',
  message: 'The Run As user lacks View Setup and Configuration.',
  fix: 'Grant View Setup and Configuration to the Connected App’s Run As user.',
};

/**
 * Holds an activity until the test releases it, heartbeating so that a cancellation (a stop signal, a worker
 * shutdown) reaches it at once. `arrived` counts the attempts that reached the gate.
 */
export class Gate {
  private open = false;
  arrived = 0;
  /** Attempts that Temporal cancelled while they waited (a stop signal, a terminated workflow). */
  cancelled = 0;

  async pass(): Promise<void> {
    const context = Context.current();
    this.arrived += 1;
    try {
      while (!this.open) {
        context.heartbeat();
        await Promise.race([context.cancelled, sleep(20)]);
      }
    } catch (error) {
      this.cancelled += 1;
      throw error;
    }
  }

  release(): void {
    this.open = true;
  }

  /** Waits until `count` attempts reached the gate. */
  async reached(count = 1): Promise<void> {
    await vi.waitFor(
      () => {
        if (this.arrived < count)
          throw new Error(`${this.arrived} attempts at the gate, waiting for ${count}`);
      },
      { timeout: 15_000, interval: 20 },
    );
  }
}

/** Slices that hold at `gate` until the test releases it (or Temporal cancels them), then complete. */
export function heldSlices(gate: Gate): Mocks {
  return {
    collectObject: async () => {
      await gate.pass();
      return completed;
    },
  };
}

/** A run start (startCollectionRun) that holds at `gate` until the test releases it: a Collect Now in flight. */
export function heldRunStart(gate: Gate): Mocks {
  return {
    startCollectionRun: async () => {
      await gate.pass();
      return {
        runId: 'run-1',
        startedAt: new Date(serverNow()).toISOString(),
        quotaThresholdPercent: 75,
        findingsSince: null,
      };
    },
  };
}

/** A carried state as the entity holds it between continue-as-news, for starting a test in a given state. */
export function carriedState(overrides: Partial<CarriedState> = {}): CarriedState {
  return { ...emptyState(), ...overrides };
}

export function activeRun(overrides: Partial<ActiveRun> = {}): ActiveRun {
  return {
    runId: 'run-carried',
    kind: 'initial',
    trigger: 'collect_now',
    startedAt: new Date().toISOString(),
    findingsSince: null,
    children: 0,
    ...overrides,
  };
}

/** Carried states a test starts from, as a continue-as-new leaves them. */
export const connectedState: Partial<CarriedState> = { state: 'connected', connected: true };
export const idleState: Partial<CarriedState> = {
  state: 'idle',
  connected: true,
  initialCollectionDone: true,
};

/** One test's workers, mocks and workflows. Every activity call is recorded in order, with its input. */
export class Scenario {
  readonly integrationId = randomUUID();
  readonly calls: ActivityCall[] = [];
  private readonly started: string[] = [];
  runs = 0;
  readonly kinds = new Map<string, RunKind>();

  constructor(
    private readonly tier: Tier,
    private readonly mocks: Mocks,
  ) {}

  get env(): TestWorkflowEnvironment {
    return this.tier.env;
  }

  get taskQueue(): string {
    return this.tier.taskQueue;
  }

  /** Records the call, then answers with this test's mock (or the default one). */
  call(name: ActivityName, input: unknown): Promise<unknown> {
    this.calls.push({ name, input });
    const mock = (this.mocks[name] ?? defaultMocks(this)[name]) as (input: unknown) => Promise<unknown>;
    return mock(input);
  }

  // ── The integration entity ──────────────────────────────────────────────────────────────────────────────

  get workflowId(): string {
    return integrationWorkflowId(this.integrationId);
  }

  /** Starts the entity fresh (it loads the snapshot), or from a carried state as a continue-as-new leaves it. */
  async startIntegration(
    carried?: Partial<CarriedState>,
  ): Promise<WorkflowHandle<typeof integrationWorkflow>> {
    this.started.push(this.workflowId);
    return this.env.client.workflow.start<typeof integrationWorkflow>(workflowTypes.integration, {
      workflowId: this.workflowId,
      taskQueue: this.taskQueue,
      args: [{ integrationId: this.integrationId, ...(carried ? { carried: carriedState(carried) } : {}) }],
    });
  }

  get handle(): WorkflowHandle<typeof integrationWorkflow> {
    return this.env.client.workflow.getHandle(this.workflowId);
  }

  /**
   * The status query, with a short deadline: a query that reaches the time-skipping server while the entity
   * continues-as-new can hang there, and a fresh one goes to the new execution.
   */
  status(): Promise<IntegrationStatus> {
    return this.env.client.connection.withDeadline(Date.now() + 1_000, () => this.handle.query(statusQuery));
  }

  /** Waits (in real time, a few seconds at most) until the status satisfies `ready`; returns it. */
  async until(
    ready: (status: IntegrationStatus) => boolean,
    what = 'the expected status',
  ): Promise<IntegrationStatus> {
    return vi.waitFor(
      async () => {
        const status = await this.status();
        if (!ready(status))
          throw new Error(
            `still waiting for ${what}; status is ${JSON.stringify(status)}; activities so far: ${this.names().join(', ')}`,
          );
        return status;
      },
      { timeout: 15_000, interval: 100 },
    );
  }

  /**
   * Waits until the entity entered `state` (by its mirror activity, without a query: queries that meet a
   * workflow task on the time-skipping server can stall its clock for a minute).
   */
  async entered(state: IntegrationState, times = 1): Promise<void> {
    await vi.waitFor(
      () => {
        const seen = this.states().filter((st) => st === state).length;
        if (seen < times)
          throw new Error(
            `entered ${state} ${seen} times, waiting for ${times}; states: ${this.states().join(' → ')}`,
          );
      },
      { timeout: 15_000, interval: 20 },
    );
  }

  /** Waits until `name` has been called `count` times; returns those calls' inputs. */
  async called<K extends ActivityName>(name: K, count = 1): Promise<Input<K>[]> {
    return vi.waitFor(
      () => {
        const inputs = this.inputs(name);
        if (inputs.length < count)
          throw new Error(`${name} called ${inputs.length} times, waiting for ${count}`);
        return inputs;
      },
      { timeout: 15_000, interval: 100 },
    );
  }

  inputs<K extends ActivityName>(name: K): Input<K>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as Input<K>);
  }

  /** Activity names in call order, without the state and status mirrors (see `states()`). */
  names(): ActivityName[] {
    return this.calls
      .filter((c) => c.name !== 'recordIntegrationState' && c.name !== 'recordIntegrationStatus')
      .map((c) => c.name);
  }

  /** Every state the entity entered, in order, as its mirror into PostgreSQL wrote them: the transition list. */
  states(): IntegrationState[] {
    return this.inputs('recordIntegrationState').map((i) => i.state);
  }

  /** Objects whose slices ran, in order (one entry per slice). */
  slices(): string[] {
    return this.inputs('collectObject').map((i) => i.object);
  }

  childWorkflowId(runId: string, n: number): string {
    return `${collectionRunWorkflowId(this.integrationId, runId)}-${n}`;
  }

  // ── One collection run on its own ───────────────────────────────────────────────────────────────────────

  /** Runs a collection run as the child of a stand-in parent that records the phases it reports. */
  async startRun(input: Partial<CollectionRunInput> = {}): Promise<{
    handle: WorkflowHandle<(input: RunParentInput) => Promise<CollectionRunOutcome>>;
    childId: string;
  }> {
    const parentId = `${this.workflowId}-parent`;
    const childId = this.childWorkflowId('run-1', 1);
    this.started.push(parentId);
    const handle = await this.env.client.workflow.start<
      (input: RunParentInput) => Promise<CollectionRunOutcome>
    >('runParentWorkflow', {
      workflowId: parentId,
      taskQueue: this.taskQueue,
      args: [
        {
          childWorkflowId: childId,
          run: {
            integrationId: this.integrationId,
            run: activeRun({ runId: 'run-1', children: 1 }),
            recheckQuota: false,
            quotaBackoff: false,
            ...input,
          },
        },
      ],
    });
    return { handle, childId };
  }

  /** The phases (collecting, paused for quota) the run reported to its parent, in order. */
  phases(handle: WorkflowHandle): Promise<RunPhase[]> {
    return handle.query(phasesQuery);
  }

  /** Waits until the workflow's current execution has a timer running (so skipping time fires it). */
  async timerStarted(workflowId = this.workflowId, count = 1): Promise<void> {
    await vi.waitFor(
      async () => {
        const history = await this.env.client.workflow.getHandle(workflowId).fetchHistory();
        const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).length;
        if (timers < count) throw new Error(`${workflowId} has ${timers} timers, waiting for ${count}`);
      },
      { timeout: 15_000, interval: 100 },
    );
  }

  /** Ends this test's workflows (children go with their parent) and its workers. */
  async stop(): Promise<void> {
    for (const workflowId of this.started) {
      await this.env.client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => {});
    }
    live.delete(this.integrationId);
  }
}

/** A scenario with its workers running; stopped after the test. */
export function scenario(tier: Tier, mocks: Mocks = {}): Scenario {
  const s = new Scenario(tier, mocks);
  live.set(s.integrationId, s);
  return s;
}

/** Sensible answers for every activity; a test replaces the ones its scenario is about. */
function defaultMocks(s: Scenario): Required<Mocks> {
  const noop = async () => {};
  const snapshot = async () => ({
    state: 'awaiting_test' as IntegrationState,
    connected: false,
    attention: null,
    initialCollectionDone: false,
    lastRun: null,
    quotaThresholdPercent: 75,
    displayName: 'Acme',
    tenantId: 'tenant-1',
  });
  return {
    recoverOrphanedRuns: async () => ({ closedRuns: 0 }),
    readIntegrationSnapshot: snapshot,
    // Superseded (patch 'recover-orphaned-runs'): only replayed histories call it, and they do not run it.
    loadIntegrationSnapshot: snapshot,
    testConnectivity: async () => connected,
    startCollectionRun: async ({ kind }) => {
      s.runs += 1;
      const runId = `run-${s.runs}`;
      s.kinds.set(runId, kind);
      return {
        runId,
        startedAt: new Date(serverNow()).toISOString(),
        quotaThresholdPercent: 75,
        findingsSince: null,
      };
    },
    finishCollectionRun: async ({ runId, status, error }) => ({
      runId,
      kind: s.kinds.get(runId) ?? 'initial',
      status,
      startedAt: new Date(serverNow()).toISOString(),
      finishedAt: new Date(serverNow()).toISOString(),
      apiCalls: 6,
      records: {},
      error,
    }),
    collectObject: async () => completed,
    // Most scenarios are about the run, not the split: one cursor per object unless a test plans segments.
    planSegments: async () => ({ outcome: 'sequential' as const }),
    recomputeFindings: async () => ({
      opened: 0,
      updated: 0,
      reopened: 0,
      superseded: 0,
      byKind: {},
      unknownStatuses: [],
    }),
    markFindingsComputed: noop,
    markIntegrationDisconnected: noop,
    recordRunPause: noop,
    recordRunResumed: noop,
    recordIntegrationState: noop,
    recordIntegrationStatus: noop,
    ensureDailySchedule: noop,
    setDailySchedulePaused: noop,
    deleteDailySchedule: noop,
    reconcileIntegrations: async () => ({
      restarted: 0,
      closedRuns: 0,
      schedulesRepaired: 0,
      purgesPending: 0,
    }),
    purgeIntegrationData: async () => ({ deletedRows: 0 }),
  };
}
