import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectivityResult } from './definitions';
import { bookkeeping, connectivity } from './activity-proxies';
import { failedOnQuotaOnly } from './integration-state';
import { IntegrationRecord, integrationGone, type Step } from './integration-record';
import {
  IntegrationDisplayNameAttribute,
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from './search-attributes';

type IntegrationSnapshot = Awaited<ReturnType<typeof bookkeeping.readIntegrationSnapshot>>;

/**
 * Histories recorded before recoverOrphanedRuns and readIntegrationSnapshot existed call the one activity that
 * did both, behind a flag (loadIntegrationSnapshot, still registered).
 */
const RECOVER_ORPHANED_RUNS_PATCH = 'recover-orphaned-runs';

/**
 * Everything around the runs: a fresh start from what PostgreSQL knows, Test Connectivity results and new
 * credentials, attention problems, the user's pause, new settings and the daily schedule they shape.
 */
export abstract class IntegrationSetup extends IntegrationRecord {
  /** A fresh start (first connect, or the reconciler restoring a lost workflow): take what PostgreSQL knows. */
  protected async loadSnapshot(): Promise<void> {
    const { carried, integrationId } = this;
    let snapshot: IntegrationSnapshot;
    if (patched(RECOVER_ORPHANED_RUNS_PATCH)) {
      // Runs a previous execution left unfinished are closed first, so the snapshot's last run is final.
      await bookkeeping.recoverOrphanedRuns({ integrationId });
      snapshot = await bookkeeping.readIntegrationSnapshot({ integrationId });
    } else {
      snapshot = await bookkeeping.loadIntegrationSnapshot({ integrationId, closeOrphanedRuns: true });
    }
    this.loaded = true;
    // Handlers may already have run while this activity was in flight (a Test Connectivity, a pause), so what
    // they changed wins over the snapshot.
    carried.initialCollectionDone ||= snapshot.initialCollectionDone;
    carried.lastRun ??= snapshot.lastRun;
    carried.quota.thresholdPercent = snapshot.quotaThresholdPercent;
    carried.userPaused ||= snapshot.state === 'paused_by_user';
    carried.connected ||= snapshot.connected;
    if (carried.connected && !carried.attention && snapshot.attention) carried.attention = snapshot.attention;
    // Started by the reconciler, the workflow has no search attributes yet; the API sets the same ones.
    upsertSearchAttributes([
      { key: IntegrationIdAttribute, value: this.integrationId },
      { key: TenantIdAttribute, value: snapshot.tenantId },
      { key: IntegrationDisplayNameAttribute, value: snapshot.displayName },
      { key: IntegrationStateAttribute, value: carried.state },
    ]);
    await this.setState(this.naturalState());
  }

  protected async waitWhileUserPaused(): Promise<void> {
    const { carried } = this;
    carried.resumeState = this.naturalState();
    // Schedule first, state second: whoever sees "paused_by_user" can rely on the schedule being paused.
    await bookkeeping.setDailySchedulePaused({ integrationId: this.integrationId, paused: true });
    await this.setState('paused_by_user');
    await condition(
      () => !carried.userPaused || this.disconnectRequested || workflowInfo().continueAsNewSuggested,
    );
    if (carried.userPaused) return; // disconnect, or a continue-as-new first: the next turn decides
    await bookkeeping.setDailySchedulePaused({ integrationId: this.integrationId, paused: false });
    carried.resumeState = null;
    await this.setState(this.naturalState());
  }

  /** Waits for new credentials or a passing Test Connectivity; whatever was interrupted then carries on. */
  protected async waitForAttention(): Promise<Step> {
    const { carried } = this;
    if (carried.state !== 'needs_attention') {
      carried.resumeState = this.stateWithoutAttention();
      await this.setState('needs_attention');
    }
    await condition(
      () =>
        carried.attention === null ||
        carried.credentialsChanged ||
        carried.userPaused ||
        carried.settingsChanged ||
        this.disconnectRequested ||
        workflowInfo().continueAsNewSuggested,
    );
    if (carried.attention === null) {
      // A passing Test Connectivity cleared it (no second test needed).
      if (carried.activeRun) await bookkeeping.recordRunResumed({ runId: carried.activeRun.runId });
      carried.resumeState = null;
      await this.setState(this.naturalState());
    }
    return workflowInfo().continueAsNewSuggested && carried.attention ? 'continue_as_new' : 'continue';
  }

  /** New credentials: test them now rather than at the next run. A flaky test is tried again later. */
  protected async retest(): Promise<void> {
    const { carried } = this;
    let result: ConnectivityResult;
    try {
      result = await connectivity.testConnectivity({ integrationId: this.integrationId });
    } catch (error) {
      if (integrationGone(error)) throw error;
      // Salesforce or the worker did not answer: this says nothing about the credentials. Test again later.
      carried.credentialsChanged = true;
      throw error;
    }
    const hadAttention = carried.attention !== null;
    this.applyTestResult(result);
    if (hadAttention && !carried.attention && carried.activeRun)
      await bookkeeping.recordRunResumed({ runId: carried.activeRun.runId });
    carried.resumeState = carried.attention ? this.stateWithoutAttention() : null;
    await this.setState(this.naturalState());
  }

  protected applyTestResult(result: ConnectivityResult): void {
    const { carried } = this;
    if (result.ok) {
      carried.connected = true;
      carried.attention = null;
      carried.credentialsChanged = false;
      this.updateQuota(result.apiUsage.used, result.apiUsage.max, result.checkedAt);
    } else if (!failedOnQuotaOnly(result) && !this.child) {
      // Out of daily quota is not a setup problem (the quota guard handles it). During a run, the run finds
      // out for itself at its next call. Before the first passing test the problem is shown, the state stays.
      carried.attention = { code: result.code, message: result.message, fix: result.fix };
    }
  }

  /** New options: the threshold shows in status; the daily schedule follows a new time zone or run hour. */
  protected async applySettings(): Promise<void> {
    const { carried, integrationId } = this;
    const settings = patched(RECOVER_ORPHANED_RUNS_PATCH)
      ? await bookkeeping.readIntegrationSnapshot({ integrationId })
      : await bookkeeping.loadIntegrationSnapshot({ integrationId, closeOrphanedRuns: false });
    carried.quota.thresholdPercent = settings.quotaThresholdPercent;
    upsertSearchAttributes([{ key: IntegrationDisplayNameAttribute, value: settings.displayName }]);
    if (carried.initialCollectionDone || carried.lastRun !== null) await this.ensureDailySchedule();
    await this.mirrorStatus();
  }

  protected async ensureDailySchedule(): Promise<void> {
    try {
      await bookkeeping.ensureDailySchedule({ integrationId: this.integrationId });
    } catch (error) {
      if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
      if (error.cause.type !== 'InvalidScheduleSettings') throw error;
      this.carried.attention = {
        code: 'invalid_schedule',
        message: error.cause.message,
        fix: 'Set options.timezone to an IANA time zone name such as Europe/Paris.',
      };
    }
  }
}
