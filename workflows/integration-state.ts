import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
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
    activeRun: null,
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

export function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A test that failed only because the org's daily API allocation is used up says nothing about the
 * credentials: it is a quota condition (the run pauses and retries), not a problem for the admin to fix.
 */
export function failedOnQuotaOnly(result: ConnectivityResult): boolean {
  return !result.ok && result.code === 'DAILY_API_LIMIT_REACHED';
}
