import type { CreatedOrg, OrgSpec, RunningSimulator } from '../../../simulator';
import type { ApiConfig } from '../../../api/dependencies';
import { startWorkerStack, type TestWorker } from '../../support/worker';
import type { ConnectivityAnswer, Integration, IntegrationDetail } from '../../../api/schemas/integration';
import { buildTestApp, client, tenantWithKey, type Services } from './harness';
import type { testSecrets } from '../../support/factories';

/**
 * The API wired to the real thing: the run's PostgreSQL and Temporal, a real worker running the real
 * integration workflow and activities on its own task queue, and the Salesforce simulator. One per test file;
 * every test still gets its own tenant, integration and simulator org.
 */
export interface LiveStack {
  services: Services;
  simulator: RunningSimulator;
  worker: TestWorker;
  harness: ReturnType<typeof buildTestApp>;
  secrets: ReturnType<typeof testSecrets>;
}

export async function startLiveStack(config: Partial<ApiConfig> = {}): Promise<LiveStack> {
  const { services, simulator, worker, secrets } = await startWorkerStack();
  // The worker decrypts what the API encrypts, so both use the same box.
  const harness = buildTestApp(services, {
    secrets: secrets.box,
    config: { allowLocalSalesforceUrls: true, taskQueue: worker.taskQueue, ...config },
  });
  return { services, simulator, worker, harness, secrets };
}

export async function stopLiveStack(stack: Partial<LiveStack>): Promise<void> {
  await stack.worker?.stop();
  await stack.simulator?.close();
  await stack.services?.close();
}

export type Api = ReturnType<typeof client>;

/** Test Connectivity's answer when the org passed, and when it did not. */
export type PassedTest = Extract<ConnectivityAnswer, { ok: true }>;
export type FailedTest = Extract<ConnectivityAnswer, { ok: false }>;

/** A new tenant and a client for it on the stack's app. */
export async function liveTenant(stack: LiveStack, label = 'live') {
  const tenant = await tenantWithKey(stack.services, label);
  return { ...tenant, api: client(stack.harness.app, tenant.key) };
}

/** Small by default so a full collection takes a second or two. */
export function createSimOrg(stack: LiveStack, spec: OrgSpec = {}): CreatedOrg {
  return stack.simulator.simulator.control.createOrg({
    users: 20,
    logins: 200,
    seed: Math.floor(Math.random() * 1_000_000),
    ...spec,
  });
}

/** A simulator org and an integration pointing at it (created, not yet tested). */
export async function orgIntegration(
  stack: LiveStack,
  api: Api,
  spec: OrgSpec = {},
  overrides: Record<string, unknown> = {},
) {
  const org = createSimOrg(stack, spec);
  const created = await api<Integration>('POST', '/v1/integrations', {
    displayName: `Sim ${org.key}`,
    salesforceUrl: org.salesforceUrl,
    consumerKey: org.consumerKey,
    consumerSecret: org.consumerSecret,
    ...overrides,
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.text}`);
  return { org, id: created.body.id, created };
}

/** An integration that passed Test Connectivity against its simulator org (state connected). */
export async function connectedIntegration(stack: LiveStack, api: Api, spec: OrgSpec = {}) {
  const made = await orgIntegration(stack, api, spec);
  const tested = await api<ConnectivityAnswer>('POST', `/v1/integrations/${made.id}/test`);
  if (tested.status !== 200 || tested.body.ok !== true)
    throw new Error(`test failed: ${tested.status} ${tested.text}`);
  return { ...made, tested: tested.body };
}

/** Polls GET /v1/integrations/:id until `ready` holds; fails with the last answer otherwise. */
export async function waitForDetail(
  api: Api,
  id: string,
  ready: (detail: IntegrationDetail) => boolean,
  timeoutMs = 90_000,
): Promise<IntegrationDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api<IntegrationDetail>('GET', `/v1/integrations/${id}`);
    if (res.status === 200 && ready(res.body)) return res.body;
    if (Date.now() > deadline)
      throw new Error(`integration ${id} did not reach the expected status: ${res.status} ${res.text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Waits until the run with this id is the integration's last run (whatever its outcome) and no other run has
 * started since. The last run and the state are one mirrored status, so the state is already the one after it.
 */
export function waitForRunFinished(api: Api, id: string, runId: string, timeoutMs = 90_000) {
  return waitForDetail(api, id, (d) => d.lastRun?.runId === runId && d.currentRun === null, timeoutMs);
}
