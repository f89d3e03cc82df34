import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createLogger } from '../../platform/logger';
import { createSalesforceClientFactory } from '../../salesforce/client';
import { createWorker, type CollectorWorker } from '../../worker/create-worker';
import {
  credentialsUpdatedSignal,
  pauseSignal,
  requestCollectionUpdate,
  resumeSignal,
  statusQuery,
  testConnectivityUpdate,
  workflowTypes,
  type IntegrationStatus,
} from '../../workflows/definitions';
import { useTimeSkippingStack } from '../support/time-skipping-stack';
import { workflowBundle } from '../support/worker';
import { rotateCredentials, startIntegrationWorkflow, waitForStatus } from '../support/integrations';
import { createTestIntegration, testSecrets } from '../support/factories';

const HOUR = 60 * 60 * 1000;
const DAYS = Number(process.env.SOAK_DAYS ?? 30);
const DAILY_RUN_HOUR = 2;
const LOGINS_PER_DAY = 300;
const DAILY_API_MAX = 400;
/** Days on which other apps spend the org's allowance just before the daily run: the run pauses for quota. */
const QUOTA_DAYS = new Set([5, 13, 21]);
const PAUSED_DAY = 8; // paused at 10:00, resumed the next day at 10:00: day 9's trigger is skipped
const ROTATION_DAY = 15;
const RESTART_DAY = 22;

/**
 * Thirty days of one integration on Temporal's time-skipping server: daily runs, quota pauses over Salesforce's
 * rolling window, a user pause, a credential rotation and a worker restart. The clock moves an hour at a time
 * (the simulator's first, so Salesforce is never behind the workflow), through midnight, never past it.
 * That server has no Schedules: the daily trigger is delivered here exactly as the schedule delivers it (it
 * starts scheduledCollectionWorkflow at the run hour, unless the schedule is paused), and the schedule
 * activities keep that state; continue-as-new.test.ts shows a real schedule firing on a dev server.
 */
describe('30 days of daily runs (time-skipping server)', () => {
  const stack = useTimeSkippingStack();
  let running: { worker: CollectorWorker; done: Promise<void> } | undefined;
  const secrets = testSecrets();

  // Registered after useTimeSkippingStack's, so it runs before it: the worker stops before the server.
  afterAll(async () => {
    running?.worker.shutdown();
    await running?.done;
  });

  it('collects every day exactly once through quota pauses, a pause, a rotation and a restart, with bounded history', async () => {
    const { env, services, simulator } = stack;
    const control = simulator.simulator.control;
    const org = control.createOrg({ users: 40, logins: 2_000, seed: 91, dailyApiMax: DAILY_API_MAX });
    const ids = await createTestIntegration(services.sql, {
      secrets: secrets.box,
      org,
      options: {
        pageSize: 200,
        timezone: 'UTC',
        dailyRunHour: DAILY_RUN_HOUR,
        loginHistoryDays: 366,
      },
    });
    const taskQueue = `soak-${randomUUID()}`;
    const schedule = { exists: false, paused: false };
    const startWorker = async (): Promise<{ worker: CollectorWorker; done: Promise<void> }> => {
      const worker = await createWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        workflowBundle: await workflowBundle(),
        maxCachedWorkflows: 0,
        deps: {
          sql: services.sql,
          temporal: env.client,
          secrets: secrets.box,
          salesforce: createSalesforceClientFactory({ allowLocalUrls: true, now: () => control.now() }),
          logger: createLogger('error'),
          taskQueue,
          now: () => control.now(),
        },
        // The time-skipping server has no Schedules: these keep the schedule's state for the trigger below.
        activityOverrides: {
          ensureDailySchedule: async () => {
            schedule.exists = true;
          },
          setDailySchedulePaused: async ({ paused }) => {
            schedule.paused = paused;
          },
          deleteDailySchedule: async () => {
            schedule.exists = false;
          },
        },
      });
      return { worker, done: worker.run() };
    };
    running = await startWorker();

    const handle: WorkflowHandle = await startIntegrationWorkflow(env.client, ids, taskQueue);
    expect(await handle.executeUpdate(testConnectivityUpdate)).toMatchObject({ ok: true });
    await handle.executeUpdate(requestCollectionUpdate);

    const collected = async () =>
      (
        await services.sql<{ n: number }[]>`
          select count(*)::int as n from sf_login_history where integration_id = ${ids.integrationId}`
      )[0]!.n;
    const runCount = async () =>
      (
        await services.sql<{ n: number }[]>`
          select count(*)::int as n from collection_runs where integration_id = ${ids.integrationId}`
      )[0]!.n;
    // Nothing left to do until the clock moves: idle, paused by the user, or waiting on a quota timer that
    // has not come due yet.
    const settled = (s: IntegrationStatus) =>
      (s.state === 'idle' && s.currentRun === null) ||
      s.state === 'paused_by_user' ||
      (s.state === 'paused_for_quota' && Date.parse(s.quota.pausedUntil ?? '') > now);
    // The status alone can look idle for a moment after a run row exists; the row says whether pages are moving.
    const runningRows = async () =>
      (
        await services.sql<{ n: number }[]>`
          select count(*)::int as n from collection_runs
          where integration_id = ${ids.integrationId} and status = 'running'`
      )[0]!.n;
    const settle = async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await waitForStatus(handle, settled, 60_000);
        if ((await runningRows()) === 0) return status;
        if (Date.now() > deadline) throw new Error(`day ${day}: a run is still running`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let maxHistory = 0;
    const noteHistory = async () => {
      maxHistory = Math.max(maxHistory, (await handle.describe()).historyLength);
    };

    await waitForStatus(handle, (s) => s.initialCollectionDone && s.state === 'idle', 90_000);
    expect(await collected()).toBe(control.objectCounts(org.key).LoginHistory);
    expect(schedule.exists).toBe(true);

    // Hour by hour for 30 days, starting at the next whole hour.
    let now = Math.ceil((await env.currentTimeMs()) / HOUR) * HOUR;
    const advanceTo = async (target: number) => {
      const simNow = control.now().getTime();
      if (target > simNow) control.advanceClock(target - simNow);
      const envNow = await env.currentTimeMs();
      if (target > envNow) await env.sleep(target - envNow);
    };
    const triggered: number[] = [];
    const runsBefore = await runCount();
    let day = 0;
    const end = now + DAYS * 24 * HOUR;
    while (now < end) {
      now += HOUR;
      await advanceTo(now);
      const hour = new Date(now).getUTCHours();
      if (hour === 0) day += 1;
      if (hour === 1) control.appendLogins(org.key, { count: LOGINS_PER_DAY });
      if (hour === DAILY_RUN_HOUR) {
        if (QUOTA_DAYS.has(day)) {
          const usage = control.counters(org.key);
          control.consumeApiCalls(org.key, Math.ceil(usage.max * 0.75) - usage.currentUsage);
        }
        if (schedule.exists && !schedule.paused) {
          const before = await handle.query(statusQuery);
          const runsBeforeTrigger = await runCount();
          await env.client.workflow.start(workflowTypes.scheduledCollection, {
            workflowId: `${ids.integrationId}-scheduled-${day}`,
            taskQueue,
            args: [{ integrationId: ids.integrationId }],
          });
          triggered.push(day);
          // From idle, the trigger starts a run: wait until it exists before the clock moves on.
          if (before.state === 'idle') {
            const deadline = Date.now() + 30_000;
            while ((await runCount()) === runsBeforeTrigger) {
              if (Date.now() > deadline) throw new Error(`day ${day}: the trigger started no run`);
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        }
        if (day === RESTART_DAY) {
          // A redeploy while the day's run is starting: the run carries on from its cursors.
          running!.worker.shutdown();
          await running!.done;
          running = await startWorker();
        }
      }
      if (hour === 10 && day === PAUSED_DAY) await handle.signal(pauseSignal);
      if (hour === 10 && day === PAUSED_DAY + 1) await handle.signal(resumeSignal);
      if (hour === 12 && day === ROTATION_DAY) {
        await rotateCredentials(services.sql, secrets.box, ids.integrationId, org.consumerSecret);
        await handle.signal(credentialsUpdatedSignal);
      }
      const status = await settle();
      if (status.state === 'idle' && hour === 23 && triggered.includes(day)) {
        // Every login up to this day's run is in, once (the primary key forbids a second copy).
        expect(await collected(), `day ${day}`).toBe(control.objectCounts(org.key).LoginHistory);
      }
      if (hour === 23) await noteHistory();
    }

    const status = await waitForStatus(handle, (s) => s.state === 'idle', 60_000);
    expect(await collected()).toBe(control.objectCounts(org.key).LoginHistory);
    expect(status.attention).toBeNull();
    // Every day but the paused one was triggered, and every trigger became a run or joined one.
    expect(triggered).toHaveLength(DAYS - 1);
    expect(triggered).not.toContain(PAUSED_DAY + 1);
    const runs = await services.sql<{ status: string; kind: string; pauses: Array<{ reason: string }> }[]>`
      select status, kind, pauses from collection_runs where integration_id = ${ids.integrationId}
      order by started_at`;
    const daily = runs.slice(runsBefore);
    expect(daily.every((r) => r.status === 'succeeded')).toBe(true);
    expect(daily.length).toBeGreaterThanOrEqual(DAYS - 1 - QUOTA_DAYS.size);
    const quotaPaused = daily.filter((r) => r.pauses.some((p) => p.reason === 'daily_threshold'));
    expect(quotaPaused.length).toBe(QUOTA_DAYS.size);
    // Rolling window: after midnight the run re-checked hourly and went on the same morning, not a day later.
    for (const run of quotaPaused) expect(run.pauses.length).toBeLessThanOrEqual(6);
    // The org's quota contract held all month.
    expect(control.counters(org.key).peakUsage).toBeLessThanOrEqual(Math.floor(DAILY_API_MAX * 0.75) + 1);
    // One history per run at most: the entity continues-as-new after each, so it never grows with the days.
    expect(status.continuedAsNewCount).toBeGreaterThanOrEqual(daily.length);
    expect(maxHistory).toBeLessThan(200);

    await handle.terminate('soak finished (the time-skipping server has no Schedules)');
  }, 600_000);
});
