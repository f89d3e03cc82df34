import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationWorkflowId, type ConnectivityResult } from '../../workflows/definitions';
import { connectTestServices } from '../support/context';
import { stubConnectivitySignal, stubReceivedQuery } from './support/stub-integration-workflow';
import {
  buildTestApp,
  client,
  startStubWorker,
  tenantWithKey,
  validIntegration,
  type Services,
} from './support/harness';

describe('integration actions: Test Connectivity, Collect Now, pause, resume', () => {
  let services: Services;
  let harness: ReturnType<typeof buildTestApp>;
  let worker: Awaited<ReturnType<typeof startStubWorker>>;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    services = await connectTestServices();
    harness = buildTestApp(services);
    worker = await startStubWorker(harness.deps.config.taskQueue!);
    api = client(harness.app, (await tenantWithKey(services)).key);
  });
  afterAll(async () => {
    await worker?.stop();
    await services?.close();
  });

  const create = async () => (await api('POST', '/v1/integrations', validIntegration())).body.id as string;
  const handleOf = (id: string) => services.temporal.workflow.getHandle(integrationWorkflowId(id));

  it('Test Connectivity answers "Connected!" with edition and API usage', async () => {
    const id = await create();
    const res = await api('POST', `/v1/integrations/${id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      message: 'Connected!',
      edition: 'Enterprise Edition',
      apiUsage: { used: 120, max: 100000 },
    });
  });

  it('Test Connectivity answers 200 with the classified failure and its fix', async () => {
    const id = await create();
    const failure: ConnectivityResult = {
      ok: false,
      code: 'invalid_client',
      message: 'Salesforce rejected the consumer key or secret',
      fix: 'Copy the consumer key and secret again from the External Client App',
      checkedAt: '2026-05-01T10:00:00.000Z',
    };
    await handleOf(id).signal(stubConnectivitySignal, failure);
    const res = await api('POST', `/v1/integrations/${id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(failure);
  });

  it('Collect Now is refused before a successful test (409), then starts a run, then returns the active one', async () => {
    const id = await create();
    const early = await api('POST', `/v1/integrations/${id}/collect`);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({
      code: 'integration_not_connected',
      details: { reason: 'IntegrationNotConnected' },
    });
    expect(early.body.error.message).toMatch(/Test Connectivity/);

    await api('POST', `/v1/integrations/${id}/test`);
    const first = await api('POST', `/v1/integrations/${id}/collect`);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ started: true, kind: 'initial', run: null });
    expect(first.headers.get('location')).toBe(`/v1/integrations/${id}/runs/${first.body.runId}`);

    const second = await api('POST', `/v1/integrations/${id}/collect`);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ runId: first.body.runId, started: false });

    const status = await api('GET', `/v1/integrations/${id}`);
    expect(status.body).toMatchObject({
      state: 'initial_collection',
      currentRun: { runId: first.body.runId, currentObject: 'User', objects: { User: { records: 200 } } },
    });
  });

  it('returns the run as recorded when the workflow has recorded it', async () => {
    const id = await create();
    await api('POST', `/v1/integrations/${id}/test`);
    const started = await api('POST', `/v1/integrations/${id}/collect`);
    await services.sql`
      insert into collection_runs (id, integration_id, kind, trigger, status, workflow_id)
      values (${started.body.runId}, ${id}, 'initial', 'collect_now', 'running', ${integrationWorkflowId(id)})`;
    const again = await api('POST', `/v1/integrations/${id}/collect`);
    expect(again.body.run).toMatchObject({ id: started.body.runId, status: 'running', kind: 'initial' });
  });

  it('pause and resume are sent to the workflow; Collect Now while paused is 409 integration_paused', async () => {
    const id = await create();
    await api('POST', `/v1/integrations/${id}/test`);
    const paused = await api('POST', `/v1/integrations/${id}/pause`);
    expect(paused.status).toBe(202);
    expect(paused.body).toEqual({ integrationId: id, requested: 'pause' });
    await expect
      .poll(async () => (await api('GET', `/v1/integrations/${id}`)).body.state)
      .toBe('paused_by_user');

    const refused = await api('POST', `/v1/integrations/${id}/collect`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('integration_paused');

    expect((await api('POST', `/v1/integrations/${id}/resume`)).status).toBe(202);
    await expect.poll(async () => (await api('GET', `/v1/integrations/${id}`)).body.state).toBe('connected');
    expect((await handleOf(id).query(stubReceivedQuery)).signals).toEqual(['pause', 'resume']);
  });

  it('an unknown refusal from the workflow is a 409 conflict carrying its reason', async () => {
    const id = await create();
    await api('POST', `/v1/integrations/${id}/test`);
    await handleOf(id).signal('stubNeedsAttention');
    const res = await api('POST', `/v1/integrations/${id}/collect`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      message: 'Stub refusal',
      details: { reason: 'StubSomethingElse' },
    });
  });

  it('every action on a disconnected integration is 409 integration_disconnected', async () => {
    const id = await create();
    expect((await api('DELETE', `/v1/integrations/${id}`)).status).toBe(204);
    for (const action of ['test', 'collect', 'pause', 'resume']) {
      const res = await api('POST', `/v1/integrations/${id}/${action}`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('integration_disconnected');
    }
  });

  it('a workflow that is not running is 409 integration_not_running, not a 500', async () => {
    const id = await create();
    await handleOf(id).terminate('test');
    const res = await api('POST', `/v1/integrations/${id}/pause`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('integration_not_running');
  });

  it('a workflow nobody answers for is 503 workflow_unavailable after the timeout', async () => {
    const slow = buildTestApp(services, {
      config: { workflowUpdateTimeoutMs: 1500, taskQueue: 'nobody-polls-this' },
    });
    const own = client(slow.app, (await tenantWithKey(services)).key);
    const id = (await own('POST', '/v1/integrations', validIntegration())).body.id as string;
    const res = await own('POST', `/v1/integrations/${id}/test`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('workflow_unavailable');
    await handleOf(id).terminate('test');
  });

  it("unknown and other tenants' integrations are 404 for every action", async () => {
    const id = await create();
    const other = client(harness.app, (await tenantWithKey(services)).key);
    for (const action of ['test', 'collect', 'pause', 'resume']) {
      expect((await other('POST', `/v1/integrations/${id}/${action}`)).status).toBe(404);
      expect((await api('POST', `/v1/integrations/nope/${action}`)).status).toBe(404);
    }
    expect((await handleOf(id).query(stubReceivedQuery)).signals).toEqual([]);
  });
});
