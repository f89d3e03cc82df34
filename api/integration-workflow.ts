import {
  ActivityFailure,
  ApplicationFailure,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { TimeoutFailure, TimeoutType } from '@temporalio/common';
import {
  credentialsUpdatedSignal,
  settingsUpdatedSignal,
  dailyScheduleId,
  disconnectSignal,
  integrationWorkflowId,
  pauseSignal,
  purgeWorkflowId,
  requestCollectionUpdate,
  resumeSignal,
  tenantFairness,
  testConnectivityUpdate,
  workflowTypes,
  type CollectionRequestResult,
  type ConnectivityResult,
  type IntegrationWorkflowInput,
} from '../workflows/definitions';
import {
  IntegrationDisplayNameAttribute,
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from '../workflows/search-attributes';
import type { ApiConfig } from './dependencies';
import { ApiError, type ErrorCode } from './errors';

/**
 * How the API drives an integration's workflow. Only the contract in workflows/definitions.ts is imported;
 * the workflow is started by its type name so no workflow code is loaded into the API process.
 */
const WORKFLOW_TYPE = workflowTypes.integration;
const DEFAULT_UPDATE_TIMEOUT_MS = 60_000;

// The workflow rejects updates with ApplicationFailures whose type names the conflict.
const conflictCodes: Record<string, { code: ErrorCode; message: string }> = {
  IntegrationNotConnected: {
    code: 'integration_not_connected',
    message:
      'The integration has not passed Test Connectivity yet: run POST /v1/integrations/{id}/test first',
  },
  IntegrationPaused: {
    code: 'integration_paused',
    message: 'The integration is paused: resume it with POST /v1/integrations/{id}/resume first',
  },
  IntegrationNeedsAttention: {
    code: 'integration_needs_attention',
    message:
      'The integration needs attention (see attention in its status); fix it and run Test Connectivity',
  },
  IntegrationDisconnected: { code: 'integration_disconnected', message: 'The integration is disconnected' },
};

export interface IntegrationWorkflowCommands {
  start(input: { integrationId: string; tenantId: string; displayName: string }): Promise<void>;
  /** `updateId` (the API request id): a retried request is answered by the same update, not a second one. */
  testConnectivity(integrationId: string, options?: UpdateOptions): Promise<ConnectivityResult>;
  requestCollection(integrationId: string, options?: UpdateOptions): Promise<CollectionRequestResult>;
  pause(integrationId: string): Promise<void>;
  resume(integrationId: string): Promise<void>;
  credentialsUpdated(integrationId: string): Promise<'signalled' | 'not_running'>;
  settingsUpdated(integrationId: string): Promise<'signalled' | 'not_running'>;
  disconnect(integrationId: string): Promise<'signalled' | 'not_running'>;
  /** Stops everything at once, for purge: the data the workflow would touch is about to be deleted. */
  terminate(integrationId: string, reason: string): Promise<void>;
  /** Starts the background purge of an integration marked for it (joins one already running). */
  startPurge(integrationId: string): Promise<void>;
  /** Deletes the daily schedule (no error when there is none). */
  deleteSchedule(integrationId: string): Promise<void>;
}

const SALESFORCE_TRANSIENT = new Set(['SalesforceTransientError', 'SalesforceConcurrencyLimitError']);

export interface UpdateOptions {
  updateId?: string;
}

function notRunning(): ApiError {
  return new ApiError(
    'integration_not_running',
    "The integration's workflow is not running. If it was just created, retry in a moment; otherwise contact support with the request id",
  );
}

/** Temporal errors that deserve a specific answer; anything else propagates to the 500 handler. */
function translate(error: unknown): never {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) {
      const known = cause.type ? conflictCodes[cause.type] : undefined;
      if (known) throw new ApiError(known.code, known.message, { reason: cause.type });
      throw new ApiError(
        'conflict',
        cause.message || 'The integration refused the request in its current state',
        {
          reason: cause.type ?? null,
        },
      );
    }
    if (cause instanceof ActivityFailure) {
      // The workflow is fine but its call to Salesforce kept failing (outage, 503s) through every retry. Only
      // that is blamed on Salesforce, with a fixed text: activity messages can name internal hosts or keys.
      const inner = cause.cause;
      // Test Connectivity waits at most 15 s for a free interactive slot (scheduleToStartTimeout): say what is busy.
      if (inner instanceof TimeoutFailure && inner.timeoutType === TimeoutType.SCHEDULE_TO_START) {
        throw new ApiError(
          'workers_busy',
          'Every worker is busy: Test Connectivity could not start within 15 s. Retry in a minute; if this persists, add worker processes or raise WORKER_MAX_CONCURRENT_ACTIVITIES',
          undefined,
          { 'Retry-After': '30' },
        );
      }
      if (inner instanceof ApplicationFailure && SALESFORCE_TRANSIENT.has(inner.type ?? '')) {
        throw new ApiError('salesforce_unavailable', 'Salesforce did not answer; retry later', undefined, {
          'Retry-After': '30',
        });
      }
      // Anything else (a key the worker cannot decrypt with, its database down) is ours: logged, answered 500.
      throw new Error(`integration workflow activity failed: ${inner?.message ?? cause.message}`);
    }
  }
  if (error instanceof WorkflowNotFoundError) throw notRunning();
  // gRPC RESOURCE_EXHAUSTED (8): Temporal refuses more in-flight or per-run updates on this workflow.
  if (isGrpcServiceError(error) && error.code === 8) {
    throw new ApiError(
      'rate_limited',
      'The integration is handling too many requests; retry after 10 s',
      undefined,
      { 'Retry-After': '10' },
    );
  }
  if (
    error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcDeadlineError(error) ||
    isGrpcCancelledError(error)
  ) {
    throw new ApiError(
      'workflow_unavailable',
      "The integration's workflow did not answer in time (is the worker running?); retry later",
    );
  }
  throw error;
}

export function integrationWorkflowCommands(
  temporal: Client,
  config: ApiConfig,
): IntegrationWorkflowCommands {
  const handle = (integrationId: string): WorkflowHandle =>
    temporal.workflow.getHandle(integrationWorkflowId(integrationId));
  const updateTimeout = config.workflowUpdateTimeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
  const withinUpdateTimeout = <T>(work: () => Promise<T>) =>
    temporal.withDeadline(Date.now() + updateTimeout, work);
  const signalIfRunning = async (integrationId: string, send: (h: WorkflowHandle) => Promise<void>) => {
    try {
      await send(handle(integrationId));
      return 'signalled' as const;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'not_running' as const;
      throw error;
    }
  };

  return {
    async start({ integrationId, tenantId, displayName }) {
      const input: IntegrationWorkflowInput = { integrationId };
      await temporal.workflow.start(WORKFLOW_TYPE, {
        workflowId: integrationWorkflowId(integrationId),
        taskQueue: config.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: IntegrationIdAttribute, value: integrationId },
          { key: IntegrationDisplayNameAttribute, value: displayName },
          { key: IntegrationStateAttribute, value: 'awaiting_test' },
          { key: TenantIdAttribute, value: tenantId },
        ],
        // A retried create (or a reconciler) must not fail on, or duplicate, an existing workflow.
        workflowIdConflictPolicy: 'USE_EXISTING',
        priority: tenantFairness(tenantId),
      });
    },
    async startPurge(integrationId) {
      await temporal.workflow.start(workflowTypes.purge, {
        workflowId: purgeWorkflowId(integrationId),
        taskQueue: config.taskQueue,
        args: [{ integrationId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    },
    async testConnectivity(integrationId, options = {}) {
      try {
        return await withinUpdateTimeout(() =>
          handle(integrationId).executeUpdate(testConnectivityUpdate, options),
        );
      } catch (error) {
        return translate(error);
      }
    },
    async requestCollection(integrationId, options = {}) {
      try {
        return await withinUpdateTimeout(() =>
          handle(integrationId).executeUpdate(requestCollectionUpdate, options),
        );
      } catch (error) {
        return translate(error);
      }
    },
    async pause(integrationId) {
      try {
        await handle(integrationId).signal(pauseSignal);
      } catch (error) {
        translate(error);
      }
    },
    async resume(integrationId) {
      try {
        await handle(integrationId).signal(resumeSignal);
      } catch (error) {
        translate(error);
      }
    },
    credentialsUpdated: (integrationId) =>
      signalIfRunning(integrationId, (h) => h.signal(credentialsUpdatedSignal)),
    settingsUpdated: (integrationId) =>
      signalIfRunning(integrationId, (h) => h.signal(settingsUpdatedSignal)),
    disconnect: (integrationId) => signalIfRunning(integrationId, (h) => h.signal(disconnectSignal)),
    async deleteSchedule(integrationId) {
      try {
        await temporal.schedule.getHandle(dailyScheduleId(integrationId)).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    },
    async terminate(integrationId, reason) {
      await this.deleteSchedule(integrationId);
      try {
        await handle(integrationId).terminate(reason);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}
