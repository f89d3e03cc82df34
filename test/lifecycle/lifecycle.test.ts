import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { expectOrgCollected, startOrgIntegration, useWorkerStack, workflowBundle } from '../support/worker';
import {
  collectedFingerprint,
  rotateCredentials,
  runHourFarFromNow,
  waitForStatus,
} from '../support/integrations';
import {
  collectNowSignal,
  credentialsUpdatedSignal,
  dailyScheduleId,
  disconnectSignal,
  pauseSignal,
  requestCollectionUpdate,
  resumeSignal,
  settingsUpdatedSignal,
  statusQuery,
  testConnectivityUpdate,
} from '../../workflows/definitions';

describe('integration lifecycle on Temporal', () => {
  const stack = useWorkerStack();

  it('connects, tests, collects everything, schedules daily runs, runs incrementally, pauses, resumes and disconnects', async () => {
    const org = stack.simulator.simulator.control.createOrg({ users: 120, logins: 3000, seed: 11 });
    const { ids, handle } = await startOrgIntegration(stack, org, {
      dailyRunHour: runHourFarFromNow(),
    });

    await waitForStatus(handle, (s) => s.state === 'awaiting_test');
    await expect(handle.executeUpdate(requestCollectionUpdate)).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );

    const test = await handle.executeUpdate(testConnectivityUpdate);
    expect(test).toMatchObject({ ok: true, message: 'Connected!', edition: 'Enterprise Edition' });
    await waitForStatus(handle, (s) => s.state === 'connected');

    // Collect Now twice: the second request returns the run the first one started.
    const first = await handle.executeUpdate(requestCollectionUpdate);
    const second = await handle.executeUpdate(requestCollectionUpdate);
    expect(first).toMatchObject({ started: true, kind: 'initial' });
    expect(second).toEqual({ runId: first.runId, started: false, kind: 'initial' });
    await handle.signal(collectNowSignal, { trigger: 'schedule' });

    const idle = await waitForStatus(handle, (s) => s.state === 'idle' && s.initialCollectionDone, 90_000);
    expect(idle.lastRun).toMatchObject({ runId: first.runId, kind: 'initial', status: 'succeeded' });
    const runs = await stack.services
      .sql`select id, status from collection_runs where integration_id = ${ids.integrationId}`;
    expect(runs).toHaveLength(1);

    const counts = stack.simulator.simulator.control.objectCounts(org.key);
    const fingerprint = await collectedFingerprint(stack.services.sql, ids.integrationId);
    expect(fingerprint.sf_users!.rows).toBe(counts.User);
    expect(fingerprint.sf_login_history!.rows).toBe(counts.LoginHistory);
    expect(fingerprint.sf_user_logins!.rows).toBe(counts.UserLogin);
    expect(fingerprint.sf_permission_set_assignments!.rows).toBe(counts.PermissionSetAssignment);

    const schedule = await stack.services.temporal.schedule
      .getHandle(dailyScheduleId(ids.integrationId))
      .describe();
    expect(schedule.action.type).toBe('startWorkflow');
    expect(schedule.state.paused).toBe(false);

    // New settings reach the schedule: a customer in Paris wants the daily run at 05:00 local time.
    await stack.services.sql`
      update integrations set options = options || ${stack.services.sql.json({ timezone: 'Europe/Paris', dailyRunHour: 5 })}
      where id = ${ids.integrationId}`;
    await handle.signal(settingsUpdatedSignal);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const spec = (
        await stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).describe()
      ).spec;
      if (spec.timezone === 'Europe/Paris') {
        expect(spec.calendars?.[0]?.hour).toEqual([{ start: 5, end: 5, step: 1 }]);
        break;
      }
      if (Date.now() > deadline) throw new Error(`schedule not updated: ${JSON.stringify(spec)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // Incremental: only new rows, including many that share one LoginTime.
    stack.simulator.simulator.control.appendLogins(org.key, { count: 2500, sameLoginTime: true });
    const before = stack.simulator.simulator.control.counters(org.key).apiCallsCounted;
    const incremental = await handle.executeUpdate(requestCollectionUpdate);
    expect(incremental).toMatchObject({ started: true, kind: 'incremental' });
    await waitForStatus(handle, (s) => s.state === 'idle' && s.lastRun?.runId === incremental.runId, 60_000);
    const afterIncremental = await collectedFingerprint(stack.services.sql, ids.integrationId);
    expect(afterIncremental.sf_login_history!.rows).toBe(counts.LoginHistory! + 2500);
    const [run] = await stack.services.sql<{ progress: Record<string, { records: number }> }[]>`
      select progress from collection_runs where id = ${incremental.runId}`;
    // The overlap window re-reads a little, never the whole history.
    expect(run!.progress.LoginHistory!.records).toBeGreaterThanOrEqual(2500);
    expect(run!.progress.LoginHistory!.records).toBeLessThan(counts.LoginHistory!);
    expect(stack.simulator.simulator.control.counters(org.key).apiCallsCounted - before).toBeLessThan(40);

    // Pause: state and schedule follow; Collect Now is refused while paused; resume brings it back.
    await handle.signal(pauseSignal);
    await waitForStatus(handle, (s) => s.state === 'paused_by_user');
    expect(
      (await stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).describe()).state
        .paused,
    ).toBe(true);
    await expect(handle.executeUpdate(requestCollectionUpdate)).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await handle.signal(resumeSignal);
    await waitForStatus(handle, (s) => s.state === 'idle');
    expect(
      (await stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).describe()).state
        .paused,
    ).toBe(false);

    // Disconnect: the schedule goes, the workflow ends, collected data stays.
    await handle.signal(disconnectSignal);
    await handle.result();
    await expect(
      stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).describe(),
    ).rejects.toThrow();
    const [row] = await stack.services
      .sql`select state, enabled from integrations where id = ${ids.integrationId}`;
    expect(row).toMatchObject({ state: 'disconnected', enabled: false });

    // Every recorded history replays against the current workflow code (catches non-determinism).
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      stack.services.temporal.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }).intoHistories(),
    )) {
      expect(result.error).toBeUndefined();
      replayed += 1;
    }
    expect(replayed).toBeGreaterThanOrEqual(3); // continue-as-new after each run
  }, 180000);

  it('bad credentials put a running integration in needs attention; new credentials let it continue', async () => {
    const org = stack.simulator.simulator.control.createOrg({ users: 60, logins: 4000, seed: 12 });
    const { ids, handle } = await startOrgIntegration(stack, org, { pageSize: 200 });
    expect(await handle.executeUpdate(testConnectivityUpdate)).toMatchObject({ ok: true });

    // Someone saves a wrong consumer secret; the next collection cannot get a token.
    const writeSecret = async (secret: string) => {
      await rotateCredentials(stack.services.sql, stack.secrets.box, ids.integrationId, secret);
    };
    await writeSecret('not-the-secret');
    stack.simulator.simulator.control.revokeTokens(org.key);
    await handle.executeUpdate(requestCollectionUpdate);
    const attention = await waitForStatus(handle, (s) => s.state === 'needs_attention', 60_000);
    expect(attention.attention?.fix).toMatch(/secret/i);
    expect(attention.currentRun).not.toBeNull();
    // A second credentials update that is still wrong is re-tested (a new last_test) and keeps it waiting.
    const lastTest = async () =>
      (
        await stack.services.sql<{ checked: string }[]>`
        select last_test->>'checkedAt' as checked from integrations where id = ${ids.integrationId}`
      )[0]!.checked;
    const testedBefore = await lastTest();
    await handle.signal(credentialsUpdatedSignal);
    const retestDeadline = Date.now() + 30_000;
    while ((await lastTest()) === testedBefore) {
      if (Date.now() > retestDeadline) throw new Error('credentialsUpdated did not trigger a re-test');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await handle.query(statusQuery)).state).toBe('needs_attention');

    await writeSecret(org.consumerSecret);
    await handle.signal(credentialsUpdatedSignal);
    await expectOrgCollected(stack, handle, ids, org);
    await handle.signal(disconnectSignal);
    await handle.result();
  }, 120000);

  it('survives token expiry mid-run by minting a new token once', async () => {
    const org = stack.simulator.simulator.control.createOrg({ users: 50, logins: 6000, seed: 13 });
    const { ids, handle } = await startOrgIntegration(stack, org, { pageSize: 200 });
    await handle.executeUpdate(testConnectivityUpdate);
    stack.simulator.simulator.control.setFaults(org.key, { revokeTokensEveryCalls: 7 });
    await handle.executeUpdate(requestCollectionUpdate);
    await expectOrgCollected(stack, handle, ids, org);
    expect(stack.simulator.simulator.control.counters(org.key).tokenRequests).toBeGreaterThan(3);
    const status = await handle.query(statusQuery);
    expect(status.quota.usagePercent).not.toBeNull();
    await handle.signal(disconnectSignal);
    await handle.result();
  }, 120000);

  it('a per-run budget ends the run as partial; later runs continue from the cursors until all is collected', async () => {
    const org = stack.simulator.simulator.control.createOrg({ users: 40, logins: 5000, seed: 14 });
    const { ids, handle } = await startOrgIntegration(stack, org, {
      pageSize: 200,
      runBudgetCalls: 12,
      dailyRunHour: runHourFarFromNow(),
      // One cursor keeps the runs short and their number predictable; the budget holds across parallel
      // segments too (test/collection/segments.test.ts).
      parallelSegments: 1,
    });
    await handle.executeUpdate(testConnectivityUpdate);
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const requested = await handle.executeUpdate(requestCollectionUpdate);
      const status = await waitForStatus(
        handle,
        (s) => s.lastRun?.runId === requested.runId && s.currentRun === null,
        60_000,
      );
      outcomes.push(status.lastRun!.status);
      if (status.initialCollectionDone) break;
      // A partial initial run still gets its daily schedule, so the collection keeps going on its own.
      expect(
        (await stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).describe())
          .state.paused,
      ).toBe(false);
    }
    expect(outcomes.length).toBeGreaterThan(2);
    expect(outcomes.slice(0, -1).every((o) => o === 'partial')).toBe(true);
    expect(outcomes.at(-1)).toBe('succeeded');
    const runs = await stack.services.sql<{ api_calls: number; error: string | null }[]>`
      select api_calls, error from collection_runs where integration_id = ${ids.integrationId} order by started_at`;
    for (const run of runs) expect(run.api_calls).toBeLessThanOrEqual(12 + 1);
    expect(runs[0]!.error).toMatch(/per-run API budget/);
    const fingerprint = await collectedFingerprint(stack.services.sql, ids.integrationId);
    expect(fingerprint.sf_login_history!.rows).toBe(
      stack.simulator.simulator.control.objectCounts(org.key).LoginHistory,
    );
    await handle.signal(disconnectSignal);
    await handle.result();
  }, 180000);
});
