import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationWorkflowId } from '../../workflows/definitions';
import { buildTestApp, client, tenantWithKey, validIntegration } from './support/harness';
import {
  connectedIntegration,
  liveTenant,
  orgIntegration,
  startLiveStack,
  stopLiveStack,
  waitForDetail,
  waitForRunFinished,
  type FailedTest,
  type LiveStack,
  type PassedTest,
} from './support/live';
import type { Page } from '../../api/pagination';
import type { ErrorBody } from '../../api/errors';
import type { CollectionRequest, SignalAccepted } from '../../api/routes/integration-actions';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';

/**
 * The dashboard's buttons (Test Connectivity, Collect Now, Pause, Resume) driving the real integration
 * workflow on a real worker, against Salesforce simulator orgs. Every state is reached the way production
 * reaches it; nothing here tells the workflow what to answer.
 */
describe('integration actions against the real workflow, worker and simulator', () => {
  let stack: LiveStack;

  beforeAll(async () => {
    // These tests drive the workflow through repeated actions; the throttles have their own tests
    // (test/security/action-throttle.test.ts).
    stack = await startLiveStack({ actionCooldowns: { testConnectivityMs: 0, collectNowMs: 0 } });
  });
  afterAll(async () => {
    await stopLiveStack(stack ?? {});
  });

  const control = () => stack.simulator.simulator.control;
  const handleOf = (id: string) => stack.services.temporal.workflow.getHandle(integrationWorkflowId(id));
  const storedTest = async (id: string) =>
    (
      await stack.services.sql<{ last_test: Record<string, unknown> | null; edition: string | null }[]>`
        select last_test, edition from integrations where id = ${id}`
    )[0]!;

  describe('happy paths', () => {
    it("Test Connectivity answers Connected! with the org's edition, id and the API usage Salesforce reports", async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await orgIntegration(stack, api, { edition: 'Unlimited Edition' });
      // Usage the org already had today, so the reported figure is the org's own and not a default.
      const before = control().consumeApiCalls(org.key, 4321).currentUsage;

      const res = await api<PassedTest>('POST', `/v1/integrations/${id}/test`);
      const after = control().counters(org.key);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, message: 'Connected!', edition: org.edition });
      expect(res.body.orgId).toBe(org.orgId);
      expect(res.body.apiUsage.max).toBe(org.dailyApiMax);
      expect(res.body.apiUsage.used).toBeGreaterThan(before);
      expect(res.body.apiUsage.used).toBeLessThanOrEqual(after.currentUsage);
      expect(res.body.apiUsage.percent).toBeCloseTo((res.body.apiUsage.used / org.dailyApiMax) * 100, 1);
      expect(after.endpoints.limits).toBeGreaterThan(0);

      const detail = await waitForDetail(api, id, (d) => d.state === 'connected');
      expect(detail).toMatchObject({
        statusSource: 'mirror',
        attention: null,
        currentRun: null,
        quota: { used: res.body.apiUsage.used, max: org.dailyApiMax },
      });
      // The status rounds to one decimal where the test answer has two.
      expect(detail.quota!.usagePercent).toBeCloseTo(res.body.apiUsage.percent, 1);
      expect(Date.parse(detail.quota!.observedAt!)).not.toBeNaN();
      const stored = await storedTest(id);
      expect(stored.edition).toBe(org.edition);
      expect(stored.last_test).toEqual(res.body);
      // The state reached PostgreSQL too, so listing by state finds it.
      const listed = await api<Page<Integration>>('GET', '/v1/integrations?state=connected');
      expect(listed.body.data.map((i) => i.id)).toEqual([id]);
    });

    it('Collect Now starts the initial run (202), returns the same run while it is active, and the status follows it to the end', async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await connectedIntegration(stack, api, { users: 40, logins: 400 });
      // A slow Salesforce keeps the run active long enough to ask twice.
      control().setFaults(org.key, { latencyMs: 150 });

      const first = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ started: true, kind: 'initial' });
      const runId = first.body.runId;
      expect(first.headers.get('location')).toBe(`/v1/integrations/${id}/runs/${runId}`);
      // The workflow records the run before it answers, so the run is already there.
      expect(first.body.run).toMatchObject({ id: runId, kind: 'initial', trigger: 'collect_now' });

      const second = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({ runId, started: false, kind: 'initial' });
      expect(second.body.run).toMatchObject({ id: runId, status: 'running' });

      const live = await waitForDetail(api, id, (d) => d.currentRun?.runId === runId);
      expect(live).toMatchObject({ statusSource: 'mirror', state: 'initial_collection' });
      expect(live.currentRun).toMatchObject({ kind: 'initial', trigger: 'collect_now' });

      control().clearFaults(org.key);
      const done = await waitForRunFinished(api, id, runId);
      const counts = control().objectCounts(org.key);
      expect(done).toMatchObject({
        state: 'idle',
        initialCollectionDone: true,
        lastRun: { runId, kind: 'initial', status: 'succeeded', records: { User: counts.User } },
      });
      expect(done.lastRun!.apiCalls).toBeGreaterThan(0);
      // Usage seen during the run, no older than what the test saw.
      expect(done.quota!.max).toBe(org.dailyApiMax);
      expect(done.quota!.used).toBeGreaterThan(0);
      expect(done.quota!.used).toBeLessThanOrEqual(control().counters(org.key).currentUsage);
      // A finished initial collection sets up the daily schedule.
      expect(done.schedule).toMatchObject({ paused: false });
      expect(done.schedule!.nextRunTimes.length).toBeGreaterThan(0);

      // The next Collect Now is an incremental run.
      const next = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      expect(next.status).toBe(202);
      expect(next.body).toMatchObject({ started: true, kind: 'incremental' });
      expect(next.body.runId).not.toBe(runId);
      const after = await waitForRunFinished(api, id, next.body.runId);
      expect(after).toMatchObject({ state: 'idle', lastRun: { kind: 'incremental', status: 'succeeded' } });
    });

    it('pause stops an active run (paused_by_user, Collect Now 409 integration_paused); resume finishes it', async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await connectedIntegration(stack, api, { users: 40, logins: 600 });
      control().setFaults(org.key, { latencyMs: 250 });
      const started = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      const runId = started.body.runId;

      const paused = await api<SignalAccepted>('POST', `/v1/integrations/${id}/pause`);
      expect(paused.status).toBe(202);
      expect(paused.body).toEqual({ integrationId: id, requested: 'pause' });
      const pausedDetail = await waitForDetail(api, id, (d) => d.state === 'paused_by_user');
      expect(pausedDetail).toMatchObject({
        resumeState: 'initial_collection',
        currentRun: { runId },
        lastRun: null,
      });

      const refused = await api<ErrorBody>('POST', `/v1/integrations/${id}/collect`);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'integration_paused',
        details: { reason: 'IntegrationPaused' },
      });
      expect(refused.body.error.message).toMatch(/resume/);
      const [stored] = await stack.services.sql<{ state: string }[]>`
        select state from integrations where id = ${id}`;
      expect(stored!.state).toBe('paused_by_user');

      control().clearFaults(org.key);
      const resumed = await api<SignalAccepted>('POST', `/v1/integrations/${id}/resume`);
      expect(resumed.status).toBe(202);
      expect(resumed.body).toEqual({ integrationId: id, requested: 'resume' });
      const done = await waitForRunFinished(api, id, runId);
      expect(done).toMatchObject({
        state: 'idle',
        resumeState: null,
        lastRun: { runId, status: 'succeeded', records: { User: control().objectCounts(org.key).User } },
      });
    });

    it('pause and resume while idle: the daily schedule is paused with it', async () => {
      const { api } = await liveTenant(stack);
      const { id } = await connectedIntegration(stack, api);
      const run = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      await waitForRunFinished(api, id, run.body.runId);

      expect((await api('POST', `/v1/integrations/${id}/pause`)).status).toBe(202);
      const paused = await waitForDetail(api, id, (d) => d.state === 'paused_by_user');
      expect(paused).toMatchObject({ resumeState: 'idle', schedule: { paused: true } });

      expect((await api('POST', `/v1/integrations/${id}/resume`)).status).toBe(202);
      const resumed = await waitForDetail(api, id, (d) => d.state === 'idle');
      expect(resumed).toMatchObject({ resumeState: null, schedule: { paused: false } });
      const again = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ started: true, kind: 'incremental' });
      await waitForRunFinished(api, id, again.body.runId);
    });
  });

  describe('errors', () => {
    // Each Salesforce setup mistake is caused in a simulator org; the answer is the classified code and the
    // Salesforce setup step that fixes it.
    it.each([
      {
        mistake: 'a wrong consumer secret',
        spec: {},
        secret: 'WRONGSECRET0123456789ABCDEF',
        code: 'INVALID_CLIENT_SECRET',
        fix: /Manage Consumer Details: copy the Consumer Secret/,
      },
      {
        mistake: 'the client credentials flow turned off',
        spec: { clientCredentialsEnabled: false },
        code: 'CLIENT_CREDENTIALS_FLOW_DISABLED',
        fix: /tick "Enable Client Credentials Flow"/,
      },
      {
        mistake: 'no Run As user',
        spec: { runAsUser: false },
        code: 'NO_RUN_AS_USER',
        fix: /Client Credentials Flow → Run As: choose an active user/,
      },
      {
        mistake: 'the API disabled for the org',
        spec: { apiEnabled: false },
        code: 'API_DISABLED_FOR_ORG',
        fix: /API add-on/,
      },
    ])('Test Connectivity with $mistake answers 200 ok:false $code and its fix', async (c) => {
      const { api } = await liveTenant(stack);
      const { org, id } = await orgIntegration(
        stack,
        api,
        c.spec,
        c.secret ? { consumerSecret: c.secret } : {},
      );
      const res = await api<FailedTest>('POST', `/v1/integrations/${id}/test`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, code: c.code });
      expect(res.body.fix).toMatch(c.fix);
      expect(res.body.message.length).toBeGreaterThan(0);
      expect(res.text).not.toContain(org.consumerSecret);

      // Not connected: the state is unchanged, the problem shows, and collecting is refused.
      const detail = await waitForDetail(api, id, (d) => d.attention !== null);
      expect(detail).toMatchObject({
        state: 'awaiting_test',
        attention: { code: c.code, message: res.body.message, fix: res.body.fix },
      });
      expect((await storedTest(id)).last_test).toEqual(res.body);
      const collect = await api<ErrorBody>('POST', `/v1/integrations/${id}/collect`);
      expect(collect.status).toBe(409);
      expect(collect.body.error.code).toBe('integration_not_connected');
    });

    it('a failed test is fixed in Salesforce, and the next test connects', async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await orgIntegration(stack, api);
      control().setFaults(org.key, { apiDisabled: true });
      const failed = await api('POST', `/v1/integrations/${id}/test`);
      expect(failed.body).toMatchObject({ ok: false, code: 'API_DISABLED_FOR_ORG' });

      control().clearFaults(org.key);
      const passed = await api('POST', `/v1/integrations/${id}/test`);
      expect(passed.body).toMatchObject({ ok: true, edition: org.edition });
      const detail = await waitForDetail(api, id, (d) => d.state === 'connected');
      expect(detail.attention).toBeNull();
    });

    it('Collect Now before a successful Test Connectivity is 409 integration_not_connected', async () => {
      const { api } = await liveTenant(stack);
      const { id } = await orgIntegration(stack, api);
      const res = await api<ErrorBody>('POST', `/v1/integrations/${id}/collect`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'integration_not_connected',
        details: { reason: 'IntegrationNotConnected' },
      });
      expect(res.body.error.message).toMatch(/Test Connectivity/);
      // A refusal leaves no run behind.
      const [runs] = await stack.services.sql<{ n: number }[]>`
        select count(*)::int as n from collection_runs where integration_id = ${id}`;
      expect(runs!.n).toBe(0);
    });

    it('a Salesforce outage during Test Connectivity leaves the workflow unharmed: the next test passes', async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await orgIntegration(stack, api);
      control().setFaults(org.key, { unavailableRate: 1 });
      const failed = await api('POST', `/v1/integrations/${id}/test`);
      expect(failed.status).toBeGreaterThanOrEqual(400);
      expect(control().counters(org.key).faultsInjected.unavailable).toBeGreaterThan(0);

      control().clearFaults(org.key);
      const passed = await api('POST', `/v1/integrations/${id}/test`);
      expect(passed.body).toMatchObject({ ok: true, edition: org.edition });
      await waitForDetail(api, id, (d) => d.state === 'connected');
    });

    it('a Salesforce outage during Test Connectivity answers 503 salesforce_unavailable, not 500', async () => {
      const { api } = await liveTenant(stack);
      const { org, id } = await orgIntegration(stack, api);
      control().setFaults(org.key, { unavailableRate: 1 });
      const res = await api<ErrorBody>('POST', `/v1/integrations/${id}/test`);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('salesforce_unavailable');
      expect(res.body.error.message).not.toMatch(/at \w+ \(/); // no stack trace
    });

    it('every action on a disconnected integration is 409 integration_disconnected', async () => {
      const { api } = await liveTenant(stack);
      const { id } = await connectedIntegration(stack, api);
      expect((await api('DELETE', `/v1/integrations/${id}`)).status).toBe(204);
      for (const action of ['test', 'collect', 'pause', 'resume']) {
        const res = await api<ErrorBody>('POST', `/v1/integrations/${id}/${action}`);
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('integration_disconnected');
      }
    });

    it('a workflow that is not running is 409 integration_not_running for every action, not a 500', async () => {
      const { api } = await liveTenant(stack);
      const { id } = await connectedIntegration(stack, api);
      await handleOf(id).terminate('operator stopped it');
      for (const action of ['test', 'collect', 'pause', 'resume']) {
        const res = await api<ErrorBody>('POST', `/v1/integrations/${id}/${action}`);
        expect({ action, status: res.status, code: res.body.error?.code }).toEqual({
          action,
          status: 409,
          code: 'integration_not_running',
        });
      }
    });

    it('a workflow no worker answers for is 503 workflow_unavailable after the timeout, and status says so', async () => {
      // No worker polls this queue: the workflow exists but nothing runs it.
      const orphan = buildTestApp(stack.services, {
        secrets: stack.secrets.box,
        config: { workflowUpdateTimeoutMs: 1500, taskQueue: `nobody-polls-${Date.now()}` },
      });
      const api = client(orphan.app, (await tenantWithKey(stack.services)).key);
      const id = (await api<Integration>('POST', '/v1/integrations', validIntegration())).body.id;
      try {
        for (const action of ['test', 'collect']) {
          const started = Date.now();
          const res = await api<ErrorBody>('POST', `/v1/integrations/${id}/${action}`);
          expect(res.status).toBe(503);
          expect(res.body.error.code).toBe('workflow_unavailable');
          expect(Date.now() - started).toBeLessThan(10_000);
        }
        const detail = await api<IntegrationDetail>('GET', `/v1/integrations/${id}`);
        expect(detail.status).toBe(200);
        expect(detail.body).toMatchObject({ statusSource: 'database', state: 'awaiting_test' });
        expect(detail.body.statusNote).toMatch(/has not reported its status yet/);
      } finally {
        await handleOf(id).terminate('test over');
      }
    });
  });

  describe('security', () => {
    it("unknown and other tenants' integrations are 404 for every action, and nothing reaches the workflow", async () => {
      const { api } = await liveTenant(stack);
      const { id } = await orgIntegration(stack, api);
      const other = (await liveTenant(stack, 'other')).api;
      for (const action of ['test', 'collect', 'pause', 'resume']) {
        expect((await other('POST', `/v1/integrations/${id}/${action}`)).status).toBe(404);
        expect((await api('POST', `/v1/integrations/nope/${action}`)).status).toBe(404);
      }
      const history = await handleOf(id).fetchHistory();
      const received = (history.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes,
      );
      expect(received).toEqual([]);
      expect((await api('GET', `/v1/integrations/${id}`)).body).toMatchObject({
        state: 'awaiting_test',
        attention: null,
      });
    });
  });
});
