import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import {
  credentialsUpdatedSignal,
  settingsUpdatedSignal,
  disconnectSignal,
  pauseSignal,
  requestCollectionUpdate,
  resumeSignal,
  statusQuery,
  testConnectivityUpdate,
  type ConnectivityResult,
  type IntegrationState,
  type IntegrationStatus,
  type IntegrationWorkflowInput,
} from '../../../workflows/definitions';

/**
 * A stand-in for the real integration workflow with the same contract (name, signals, queries, updates), so
 * the API's tests exercise real Temporal calls without Salesforce, activities or the simulator. Tests steer it
 * with `stubConnectivity` and read what it received with `stubReceived`.
 */
export const stubConnectivitySignal = defineSignal<[ConnectivityResult]>('stubConnectivity');
export const stubReceivedQuery = defineQuery<{ credentialsUpdated: number; signals: string[] }>(
  'stubReceived',
);

export async function integrationWorkflow({ integrationId }: IntegrationWorkflowInput): Promise<void> {
  let state: IntegrationState = 'awaiting_test';
  let resumeState: IntegrationState | null = null;
  let connectivity: ConnectivityResult = {
    ok: true,
    message: 'Connected!',
    edition: 'Enterprise Edition',
    orgId: '00D000000000001EAA',
    apiUsage: { used: 120, max: 100000, percent: 0.12 },
    checkedAt: '2026-05-01T10:00:00.000Z',
  };
  let currentRun: IntegrationStatus['currentRun'] = null;
  const received = { credentialsUpdated: 0, signals: [] as string[] };

  setHandler(stubConnectivitySignal, (result) => {
    connectivity = result;
  });
  setHandler(stubReceivedQuery, () => received);
  setHandler(testConnectivityUpdate, () => {
    if (connectivity.ok && state === 'awaiting_test') state = 'connected';
    return connectivity;
  });
  setHandler(requestCollectionUpdate, () => {
    if (state === 'awaiting_test')
      throw ApplicationFailure.create({ type: 'IntegrationNotConnected', message: 'test first' });
    if (state === 'paused_by_user')
      throw ApplicationFailure.create({ type: 'IntegrationPaused', message: 'paused' });
    if (state === 'needs_attention')
      throw ApplicationFailure.create({ type: 'StubSomethingElse', message: 'Stub refusal' });
    if (currentRun) return { runId: currentRun.runId, started: false, kind: currentRun.kind };
    currentRun = {
      runId: uuid4(),
      kind: 'initial',
      trigger: 'collect_now',
      startedAt: '2026-05-01T10:00:00.000Z',
      currentObject: 'User',
      objects: {
        User: {
          pages: 1,
          records: 200,
          cursor: null,
          startedAt: '2026-05-01T10:00:00.000Z',
          finishedAt: null,
        },
      },
      apiCalls: 3,
    };
    state = 'initial_collection';
    return { runId: currentRun.runId, started: true, kind: currentRun.kind };
  });
  setHandler(pauseSignal, () => {
    received.signals.push('pause');
    if (state !== 'paused_by_user') resumeState = state;
    state = 'paused_by_user';
  });
  setHandler(resumeSignal, () => {
    received.signals.push('resume');
    state = resumeState ?? 'connected';
    resumeState = null;
  });
  setHandler(credentialsUpdatedSignal, () => {
    received.credentialsUpdated += 1;
  });
  setHandler(settingsUpdatedSignal, () => {
    received.signals.push('settingsUpdated');
  });
  setHandler(disconnectSignal, () => {
    received.signals.push('disconnect');
    state = 'disconnected';
  });
  setHandler(statusQuery, (): IntegrationStatus => ({
    integrationId,
    state,
    resumeState,
    initialCollectionDone: false,
    currentRun,
    quota: {
      used: 120,
      max: 100000,
      usagePercent: 0.12,
      thresholdPercent: 75,
      pausedUntil: null,
      observedAt: '2026-05-01T10:00:00.000Z',
    },
    lastRun: null,
    attention: null,
    continuedAsNewCount: 0,
  }));
  // Stands in for "needs attention" so tests can reach an unknown rejection type.
  setHandler(defineSignal('stubNeedsAttention'), () => {
    state = 'needs_attention';
  });
  await condition(() => state === 'disconnected');
}
