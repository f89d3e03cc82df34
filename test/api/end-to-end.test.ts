import type { AddressInfo } from 'node:net';
import { historyText } from '../support/history-text';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { integrationWorkflowId } from '../../workflows/definitions';
import { connectTestServices } from '../support/context';
import { startTestWorker, type TestWorker } from '../support/worker';
import { buildTestApp, capturedLogger, tenantWithKey, type Services } from './support/harness';
import { testSecrets } from '../support/factories';

/**
 * The product's front door end to end: a listening API, the real worker and workflow on Temporal, and the
 * Salesforce simulator. Also the secret-leak check: the consumer secret must appear in no response, no log
 * line and no workflow history.
 */
describe('API end to end with the worker, Temporal and the simulator', () => {
  let services: Services;
  let simulator: RunningSimulator;
  let worker: TestWorker;
  let server: ServerType;
  let baseUrl: string;
  const secrets = testSecrets();
  const workerLog = capturedLogger();
  const responses: string[] = [];
  let harness: ReturnType<typeof buildTestApp>;

  beforeAll(async () => {
    services = await connectTestServices();
    simulator = await startSimulator({ port: 0 });
    worker = await startTestWorker({
      sql: services.sql,
      temporalAddress: inject('temporalAddress'),
      secrets: secrets.box,
      logger: workerLog.logger,
    });
    harness = buildTestApp(services, {
      secrets: secrets.box,
      config: {
        allowLocalSalesforceUrls: true,
        taskQueue: worker.taskQueue,
        workflowUpdateTimeoutMs: 60_000,
      },
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: harness.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        baseUrl = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await worker?.stop();
    await simulator?.close();
    await services?.close();
  });

  it('create → test → collect → progress → users and logins visible, without leaking the secret', async () => {
    const org = simulator.simulator.control.createOrg({ users: 60, logins: 600, seed: 7 });
    const { key } = await tenantWithKey(services, 'e2e');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      responses.push(text);
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    };

    const created = await call('POST', '/v1/integrations', {
      displayName: 'E2E org',
      salesforceUrl: org.salesforceUrl,
      consumerKey: org.consumerKey,
      consumerSecret: org.consumerSecret,
      options: { quotaThresholdPercent: 90 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const tested = await call('POST', `/v1/integrations/${id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, message: 'Connected!', edition: org.edition });

    const collect = await call('POST', `/v1/integrations/${id}/collect`);
    expect(collect.status).toBe(202);
    expect(collect.body).toMatchObject({ started: true, kind: 'initial' });
    const runId = collect.body.runId as string;

    const deadline = Date.now() + 90_000;
    let status: { body: Record<string, unknown> & { lastRun?: { runId: string; status: string } | null } };
    for (;;) {
      status = await call('GET', `/v1/integrations/${id}`);
      expect(status.body.statusSource).toBe('mirror');
      if (status.body.lastRun?.runId === runId) break;
      if (Date.now() > deadline) throw new Error(`collection did not finish: ${JSON.stringify(status.body)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(status.body.lastRun).toMatchObject({ runId, status: 'succeeded' });
    expect(status.body.quota).toMatchObject({ thresholdPercent: 90 });

    const run = await call('GET', `/v1/integrations/${id}/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'succeeded', kind: 'initial' });
    expect(run.body.apiCalls).toBeGreaterThan(0);
    expect(run.body.records.User).toBe(60);

    const users: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        'GET',
        `/v1/integrations/${id}/users?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
      );
      users.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(users).toHaveLength(60);

    const logins = await call('GET', `/v1/integrations/${id}/logins?limit=200`);
    expect(logins.status).toBe(200);
    expect(logins.body.data.length).toBeGreaterThan(0);
    expect(logins.body.data[0]).toHaveProperty('loginTime');

    const histories: string[] = [];
    histories.push(
      historyText(await services.temporal.workflow.getHandle(integrationWorkflowId(id)).fetchHistory()),
    );
    for await (const execution of services.temporal.workflow.list({ query: `IntegrationId = "${id}"` })) {
      histories.push(
        historyText(
          await services.temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory(),
        ),
      );
    }

    const secret = org.consumerSecret;
    expect(responses.join('\n')).not.toContain(secret);
    expect(harness.log.lines.join('\n')).not.toContain(secret);
    expect(workerLog.lines.join('\n')).not.toContain(secret);
    const accessToken = new RegExp(`${org.orgId.slice(0, 15)}![A-Za-z0-9._]`);
    expect(workerLog.lines.join('\n')).not.toMatch(accessToken);
    expect(harness.log.lines.join('\n')).not.toMatch(accessToken);
    expect(responses.join('\n')).not.toMatch(accessToken);
    for (const history of histories) {
      expect(history).not.toContain(secret);
      // Access tokens are "<org id>!…" (Salesforce's documented shape); none may reach a history either.
      expect(history).not.toMatch(accessToken);
    }
    expect(histories.join('\n')).toContain(id); // the check reads real history text
    expect(harness.log.records().filter((r) => r.message === 'request').length).toBeGreaterThanOrEqual(
      responses.length,
    );
  });
});
