import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { AttentionReason, CarriedState, ConnectivityResult } from './definitions';

export function emptyState(): CarriedState {
  return {
    state: 'awaiting_test',
    resumeState: null,
    initialCollectionDone: false,
    lastRun: null,
    attention: null,
    pendingCollection: null,
    continuedAsNewCount: 0,
    quota: {
      used: null,
      max: null,
      usagePercent: null,
      thresholdPercent: 75,
      pausedUntil: null,
      observedAt: null,
    },
    userPaused: false,
    connected: false,
    activeRun: null,
    settingsChanged: false,
    credentialsChanged: false,
    recheckQuota: false,
    retryAt: null,
    failedInitialRuns: 0,
  };
}

/** The setup problem inside a failed activity (bad credentials, missing permission), if that is what it is. */
export function setupFailure(error: unknown): AttentionReason | undefined {
  if (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === 'SalesforceSetupError'
  ) {
    const detail = error.cause.details?.[0] as Partial<AttentionReason> | undefined;
    return {
      code: detail?.code ?? 'salesforce_setup',
      message: detail?.message ?? error.cause.message,
      fix: detail?.fix ?? 'Check the Connected App and its Run As user in Salesforce Setup.',
    };
  }
  return undefined;
}

/** The innermost message of a failure chain (child workflow → activity → application failure). */
export function failureMessage(error: unknown): string {
  let current: unknown = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause)
    current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/**
 * A test that failed only because the org's daily API allocation is used up says nothing about the
 * credentials: it is a quota condition (the run pauses and retries), not a problem for the admin to fix.
 */
export function failedOnQuotaOnly(result: ConnectivityResult): boolean {
  return !result.ok && result.code === 'DAILY_API_LIMIT_REACHED';
}
