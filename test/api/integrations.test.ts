import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyScheduleId, integrationWorkflowId, purgeWorkflowId } from '../../workflows/definitions';
import { IntegrationStateAttribute, TenantIdAttribute } from '../../workflows/search-attributes';
import {
  buildTestApp,
  client,
  tenantWithKey,
  validIntegration,
  type Services,
  type Answer,
} from './support/harness';
import {
  connectedIntegration,
  liveTenant,
  orgIntegration,
  startLiveStack,
  stopLiveStack,
  waitForDetail,
  waitForRunFinished,
  type LiveStack,
  type PassedTest,
} from './support/live';
import type { Page } from '../../api/pagination';
import type { ErrorBody } from '../../api/errors';
import type { CollectionRequest } from '../../api/routes/integration-actions';
import type { SalesforceUser } from '../../api/schemas/collected';
import type { ConnectivityAnswer, Integration, IntegrationDetail } from '../../api/schemas/integration';
import type { CollectionRun } from '../../api/schemas/run';

/**
 * The integrations resource over the real integration workflow on a real worker. Cases about the stored
 * integration use made-up My Domain URLs (their workflows simply wait for a test); cases about what the
 * workflow does use Salesforce simulator orgs.
 */
describe('integrations CRUD', () => {
  let stack: LiveStack;
  let services: Services;
  let harness: ReturnType<typeof buildTestApp>;
  let api: ReturnType<typeof client>;
  let tenantId: string;

  beforeAll(async () => {
    // These tests drive the workflow through repeated actions; the throttles have their own tests
    // (test/security/action-throttle.test.ts).
    stack = await startLiveStack({ actionCooldowns: { testConnectivityMs: 0, collectNowMs: 0 } });
    services = stack.services;
    // The production setting (no local URLs) on the worker's task queue, with the worker's encryption key.
    harness = buildTestApp(services, {
      secrets: stack.secrets.box,
      config: { allowLocalSalesforceUrls: false, taskQueue: stack.worker.taskQueue },
    });
    const t = await tenantWithKey(services);
    tenantId = t.tenant.id;
    api = client(harness.app, t.key);
  });
  afterAll(async () => {
    await stopLiveStack(stack ?? {});
  });
  const control = () => stack.simulator.simulator.control;
  const handleOf = (id: string) => services.temporal.workflow.getHandle(integrationWorkflowId(id));

  describe('POST /v1/integrations', () => {
    it('creates the integration, encrypts the secret, masks it and starts the workflow', async () => {
      const input = validIntegration({ options: { quotaThresholdPercent: 60, timezone: 'Europe/Paris' } });
      const res = await api<Integration>('POST', '/v1/integrations', input);
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/v1/integrations/${res.body.id}`);
      expect(res.body).toMatchObject({
        displayName: 'Acme production',
        salesforceUrl: input.salesforceUrl,
        consumerKey: input.consumerKey,
        consumerSecretMasked: `••••••••${input.consumerSecret.slice(-4)}`,
        credentialsVersion: 1,
        state: 'awaiting_test',
        enabled: true,
        options: {
          quotaThresholdPercent: 60,
          timezone: 'Europe/Paris',
          runBudgetCalls: null,
          dailyRunHour: 2,
        },
      });
      expect(res.text).not.toContain(input.consumerSecret);

      const [row] = await services.sql<
        { consumer_secret_ciphertext: Buffer; consumer_secret_key_id: string }[]
      >`
        select consumer_secret_ciphertext, consumer_secret_key_id from integrations where id = ${res.body.id}`;
      expect(row!.consumer_secret_ciphertext.toString('utf8')).not.toContain(input.consumerSecret);
      expect(
        harness.secrets.decrypt(row!.consumer_secret_ciphertext, row!.consumer_secret_key_id, res.body.id),
      ).toBe(input.consumerSecret);

      const handle = services.temporal.workflow.getHandle(integrationWorkflowId(res.body.id));
      const description = await handle.describe();
      expect(description.type).toBe('integrationWorkflow');
      expect(description.taskQueue).toBe(harness.deps.config.taskQueue);
      expect(description.typedSearchAttributes.get(TenantIdAttribute)).toBe(tenantId);
      expect(description.typedSearchAttributes.get(IntegrationStateAttribute)).toBe('awaiting_test');
      expect(JSON.stringify(await handle.fetchHistory())).not.toContain(input.consumerSecret);
      expect(harness.log.lines.join('\n')).not.toContain(input.consumerSecret);
    });

    it('normalises the Salesforce URL and applies default options', async () => {
      const input = validIntegration();
      const res = await api<Integration>('POST', '/v1/integrations', {
        ...input,
        salesforceUrl: input.salesforceUrl.toUpperCase().replace('HTTPS', 'https') + '/',
        options: undefined,
      });
      expect(res.status).toBe(201);
      expect(res.body.salesforceUrl).toBe(input.salesforceUrl);
      expect(res.body.options.quotaThresholdPercent).toBe(75);
    });

    it('refuses a second active integration for the same org (409)', async () => {
      const input = validIntegration();
      expect((await api('POST', '/v1/integrations', input)).status).toBe(201);
      const again = await api<ErrorBody>('POST', '/v1/integrations', { ...input, displayName: 'Again' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('integration_exists');
    });

    it.each([
      [
        'a non-My-Domain URL',
        { salesforceUrl: 'https://login.salesforce.com' },
        'body.salesforceUrl',
        /My Domain/,
      ],
      ['an IP address', { salesforceUrl: 'https://169.254.169.254' }, 'body.salesforceUrl', /IP addresses/],
      [
        'the simulator when local URLs are off',
        { salesforceUrl: 'http://127.0.0.1:4010/orgs/x' },
        'body.salesforceUrl',
        /https/,
      ],
      [
        'a threshold above 100',
        { options: { quotaThresholdPercent: 101 } },
        'body.options.quotaThresholdPercent',
        /100/,
      ],
      ['an unknown time zone', { options: { timezone: 'Mars/Olympus' } }, 'body.options.timezone', /IANA/],
      ['an unknown option', { options: { nope: 1 } }, 'body.options', /nope/],
      ['an unknown field', { extra: true }, 'body', /extra/],
      ['an empty display name', { displayName: '  ' }, 'body.displayName', /./],
      ['a secret with spaces', { consumerSecret: 'abc def ghi' }, 'body.consumerSecret', /spaces/],
    ])('answers 400 with details for %s', async (_label, patch, path, message) => {
      const res = await api<ErrorBody>('POST', '/v1/integrations', validIntegration(patch));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
      const detail = (res.body.error.details as Array<{ path: string; message: string }>).find(
        (d) => d.path === path,
      );
      expect(detail?.message).toMatch(message);
    });

    it('never echoes a rejected secret in the error', async () => {
      const res = await api(
        'POST',
        '/v1/integrations',
        validIntegration({ consumerSecret: 'short', displayName: 7 }),
      );
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('"short"');
    });

    it('answers 400 malformed_json, 415 and 413', async () => {
      const malformed = await api<ErrorBody>('POST', '/v1/integrations', '{"displayName": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('malformed_json');

      const text = await api<ErrorBody>('POST', '/v1/integrations', 'hello', {
        'content-type': 'text/plain',
      });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');

      const huge = await api<ErrorBody>(
        'POST',
        '/v1/integrations',
        validIntegration({ displayName: 'x'.repeat(70_000) }),
      );
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
    });

    it('accepts the simulator URL when local URLs are allowed', async () => {
      const res = await (
        await liveTenant(stack)
      ).api<Integration>(
        'POST',
        '/v1/integrations',
        validIntegration({ salesforceUrl: 'http://127.0.0.1:4010/orgs/demo/' }),
      );
      expect(res.status).toBe(201);
      expect(res.body.salesforceUrl).toBe('http://127.0.0.1:4010/orgs/demo');
    });
  });

  describe('GET /v1/integrations', () => {
    it("pages through the tenant's integrations in a stable order, and filters by state", async () => {
      const t = await tenantWithKey(services);
      const own = client(harness.app, t.key);
      const created: string[] = [];
      for (let i = 0; i < 5; i++)
        created.push((await own<Integration>('POST', '/v1/integrations', validIntegration())).body.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Answer<Page<Integration>> = await own(
          'GET',
          `/v1/integrations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((i) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(created);
      expect(seen.join()).not.toMatch(/consumerSecret"/);

      const filtered = await own<Page<Integration>>('GET', '/v1/integrations?state=connected');
      expect(filtered.body.data).toEqual([]);
    });

    it('answers 400 for a tampered cursor or a bad limit', async () => {
      expect((await api<ErrorBody>('GET', '/v1/integrations?cursor=bm9wZQ')).body.error.code).toBe(
        'invalid_request',
      );
      const forged = Buffer.from(JSON.stringify({ l: 'integrations', k: ["1' or 1=1", 'x'] })).toString(
        'base64url',
      );
      expect((await api('GET', `/v1/integrations?cursor=${forged}`)).status).toBe(400);
      expect((await api('GET', '/v1/integrations?limit=0')).status).toBe(400);
      expect((await api('GET', '/v1/integrations?limit=1000')).status).toBe(400);
    });
  });

  describe('GET /v1/integrations/:id', () => {
    it('shows the live status from the workflow, before and after Test Connectivity', async () => {
      const { api: own } = await liveTenant(stack);
      const { org, id } = await orgIntegration(stack, own, {}, { options: { quotaThresholdPercent: 60 } });
      // Until the workflow has read its settings (its first activity) and mirrored its status, the status comes
      // from stored rows (no quota) and then shows the default threshold.
      const before = await waitForDetail(own, id, (d) => d.quota?.thresholdPercent === 60, 10_000);
      expect(before).toMatchObject({
        id,
        statusSource: 'mirror',
        statusNote: null,
        state: 'awaiting_test',
        quota: { thresholdPercent: 60, used: null, max: null, usagePercent: null },
        pausedUntil: null,
        currentRun: null,
        lastRun: null,
        attention: null,
        schedule: null,
      });

      const tested = await own<PassedTest>('POST', `/v1/integrations/${id}/test`);
      const after = await waitForDetail(own, id, (d) => d.state === 'connected');
      expect(after).toMatchObject({
        statusSource: 'mirror',
        quota: { thresholdPercent: 60, used: tested.body.apiUsage.used, max: org.dailyApiMax },
        edition: org.edition,
        currentRun: null,
        schedule: null,
      });
      expect(after.quota!.used).toBeLessThanOrEqual(control().counters(org.key).currentUsage);
    });

    it('answers from the stored mirror, without the workflow, once it has reported', async () => {
      const { api: own } = await liveTenant(stack);
      const { id } = await connectedIntegration(stack, own);
      const started = await own<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      const finished = await waitForRunFinished(own, id, started.body.runId);
      await handleOf(id).terminate('test: the workflow is gone');
      const detail = await own<IntegrationDetail>('GET', `/v1/integrations/${id}`);
      expect(detail.status).toBe(200);
      // The last status the workflow wrote (the reconciler restarts a lost workflow; actions still need it).
      expect(detail.body).toMatchObject({
        id,
        statusSource: 'mirror',
        state: 'idle',
        initialCollectionDone: true,
        lastRun: finished.lastRun,
        quota: finished.quota,
        statusUpdatedAt: finished.statusUpdatedAt,
      });
      expect(Date.parse(detail.body.statusUpdatedAt!)).not.toBeNaN();
    });

    it("answers 404 for unknown, malformed and other tenants' ids alike", async () => {
      const created = await api<Integration>('POST', '/v1/integrations', validIntegration());
      const other = client(harness.app, (await tenantWithKey(services)).key);
      const answers = await Promise.all([
        api<ErrorBody>('GET', '/v1/integrations/7c0d0d8e-0a4e-4b8e-9d43-4b8f3f7f0e11'),
        api<ErrorBody>('GET', '/v1/integrations/not-a-uuid'),
        api<ErrorBody>('GET', "/v1/integrations/1'%20or%201=1"),
        other<ErrorBody>('GET', `/v1/integrations/${created.body.id}`),
        other<ErrorBody>('PATCH', `/v1/integrations/${created.body.id}`, { displayName: 'mine now' }),
        other<ErrorBody>('DELETE', `/v1/integrations/${created.body.id}`),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(404);
        expect(res.body.error).toMatchObject({
          code: 'not_found',
          message: 'No integration with this id exists',
        });
      }
      expect(
        (await api<IntegrationDetail>('GET', `/v1/integrations/${created.body.id}`)).body.displayName,
      ).toBe('Acme production');
    });
  });

  describe('PATCH /v1/integrations/:id', () => {
    it('renames and merges options without touching the others', async () => {
      const created = await api<Integration>(
        'POST',
        '/v1/integrations',
        validIntegration({ options: { timezone: 'Asia/Tokyo' } }),
      );
      const res = await api('PATCH', `/v1/integrations/${created.body.id}`, {
        displayName: 'Renamed',
        options: { quotaThresholdPercent: 50 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        displayName: 'Renamed',
        credentialsVersion: 1,
        options: { quotaThresholdPercent: 50, timezone: 'Asia/Tokyo' },
      });
    });

    it('replaces credentials, bumps the version, and the workflow re-tests with them', async () => {
      const { api: own } = await liveTenant(stack);
      const { org, id } = await connectedIntegration(stack, own);
      // As long as a real consumer secret (a short one would show no characters, store/integrations.ts).
      const wrong = 'WRONG' + randomBytes(16).toString('hex').toUpperCase();

      const res = await own('PATCH', `/v1/integrations/${id}`, { credentials: { consumerSecret: wrong } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        credentialsVersion: 2,
        consumerSecretMasked: `••••••••${wrong.slice(-4)}`,
      });
      expect(res.text).not.toContain(wrong);
      const [row] = await services.sql<{ c: Buffer; k: string }[]>`
        select consumer_secret_ciphertext as c, consumer_secret_key_id as k from integrations where id = ${id}`;
      expect(stack.secrets.box.decrypt(row!.c, row!.k, id)).toBe(wrong);

      // The workflow verifies new credentials at once: Salesforce refuses this secret.
      const broken = await waitForDetail(own, id, (d) => d.state === 'needs_attention');
      expect(broken).toMatchObject({
        resumeState: 'connected',
        attention: { code: 'INVALID_CLIENT_SECRET' },
        lastTest: { ok: false, code: 'INVALID_CLIENT_SECRET' },
      });
      expect(broken.attention!.fix).toMatch(/Consumer Secret/);
      const refused = await own<ErrorBody>('POST', `/v1/integrations/${id}/collect`);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'integration_needs_attention',
        details: { reason: 'IntegrationNeedsAttention' },
      });

      // The right secret again: re-tested, connected, and collecting works.
      const fixed = await own<Integration>('PATCH', `/v1/integrations/${id}`, {
        credentials: { consumerSecret: org.consumerSecret },
      });
      expect(fixed.body.credentialsVersion).toBe(3);
      const healed = await waitForDetail(own, id, (d) => d.state === 'connected');
      expect(healed).toMatchObject({ attention: null, resumeState: null, lastTest: { ok: true } });
      expect(Date.parse(healed.lastTest!.checkedAt as string)).toBeGreaterThan(
        Date.parse(broken.lastTest!.checkedAt as string),
      );
      const collect = await own<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      expect(collect.status).toBe(202);
      await waitForRunFinished(own, id, collect.body.runId);

      const history = JSON.stringify(await handleOf(id).fetchHistory());
      expect(history).not.toContain(wrong);
      expect(history).not.toContain(org.consumerSecret);
    });

    it('new options reach the running workflow: the status shows the new quota threshold', async () => {
      const { api: own } = await liveTenant(stack);
      const { id } = await connectedIntegration(stack, own);
      const res = await own('PATCH', `/v1/integrations/${id}`, { options: { quotaThresholdPercent: 42 } });
      expect(res.status).toBe(200);
      const detail = await waitForDetail(own, id, (d) => d.quota?.thresholdPercent === 42);
      expect(detail).toMatchObject({ state: 'connected', options: { quotaThresholdPercent: 42 } });
    });

    it.each([
      [{}, /nothing to change/],
      [{ credentials: {} }, /consumerKey, consumerSecret or both/],
      [{ salesforceUrl: 'https://other.my.salesforce.com' }, /salesforceUrl/],
      [{ options: { quotaThresholdPercent: 0 } }, /quotaThresholdPercent/],
    ])('answers 400 for %j', async (body, message) => {
      const created = await api<Integration>('POST', '/v1/integrations', validIntegration());
      const res = await api<ErrorBody>('PATCH', `/v1/integrations/${created.body.id}`, body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toMatch(message);
    });
  });

  describe('DELETE /v1/integrations/:id', () => {
    it('disconnects: the workflow finishes, the schedule is gone, collected data is kept, changes are refused', async () => {
      const { api: own } = await liveTenant(stack);
      const { org, id, created } = await connectedIntegration(stack, own);
      const run = await own<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      const collected = await waitForRunFinished(own, id, run.body.runId);
      expect(collected.schedule).not.toBeNull();
      const schedule = services.temporal.schedule.getHandle(dailyScheduleId(id));
      const described = await schedule.describe();
      expect(described.scheduleId).toBe(dailyScheduleId(id));
      // The status computes the next runs from the options instead of asking Temporal: they must agree.
      expect(collected.schedule!.nextRunTimes.slice(0, 3)).toEqual(
        described.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      );

      const res = await own('DELETE', `/v1/integrations/${id}`);
      expect(res.status).toBe(204);
      await expect
        .poll(async () => (await handleOf(id).describe()).status.name, { timeout: 90_000 })
        .toBe('COMPLETED');
      await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

      const shown = await own<IntegrationDetail>('GET', `/v1/integrations/${id}`);
      expect(shown.body).toMatchObject({
        state: 'disconnected',
        enabled: false,
        statusSource: 'database',
        schedule: null,
      });
      expect(shown.body.disconnectedAt).not.toBeNull();
      const users = await own<Page<SalesforceUser>>('GET', `/v1/integrations/${id}/users?limit=200`);
      expect(users.body.data).toHaveLength(control().objectCounts(org.key).User!);

      const patch = await own<ErrorBody>('PATCH', `/v1/integrations/${id}`, { displayName: 'x' });
      expect(patch.status).toBe(409);
      expect(patch.body.error.code).toBe('integration_disconnected');
      expect((await own('DELETE', `/v1/integrations/${id}`)).status).toBe(204);

      // The same org can be added again once the old integration is disconnected.
      const again = await own<Integration>('POST', '/v1/integrations', {
        displayName: 'Again',
        salesforceUrl: created.body.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
      });
      expect(again.status).toBe(201);
      expect((await own<ConnectivityAnswer>('POST', `/v1/integrations/${again.body.id}/test`)).body.ok).toBe(
        true,
      );
    });

    /** Connected, with a run in progress on a slow Salesforce, then disconnected. */
    const disconnectDuringRun = async () => {
      const { api: own } = await liveTenant(stack);
      const { org, id } = await connectedIntegration(stack, own, { users: 40, logins: 600 });
      control().setFaults(org.key, { latencyMs: 250 });
      const run = await own<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
      await waitForDetail(own, id, (d) => d.currentRun?.runId === run.body.runId);
      expect((await own('DELETE', `/v1/integrations/${id}`)).status).toBe(204);
      return { own, id, runId: run.body.runId };
    };

    it('disconnecting during a run cancels the run', async () => {
      const { own, id, runId } = await disconnectDuringRun();
      await expect
        .poll(async () => (await own('GET', `/v1/integrations/${id}/runs/${runId}`)).body, {
          timeout: 90_000,
        })
        .toMatchObject({ status: 'cancelled' });
      const recorded = await own<CollectionRun>('GET', `/v1/integrations/${id}/runs/${runId}`);
      expect(recorded.body).toMatchObject({ error: 'Integration disconnected' });
      expect(recorded.body.finishedAt).not.toBeNull();
    });

    it('disconnecting during a run still finishes the workflow and removes the schedule', async () => {
      const { id } = await disconnectDuringRun();
      await expect
        .poll(async () => (await handleOf(id).describe()).status.name, { timeout: 90_000 })
        .toBe('COMPLETED');
      await expect(
        services.temporal.schedule.getHandle(dailyScheduleId(id)).describe(),
      ).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });

    it('purges: the integration is gone from the API at once, then everything collected is deleted', async () => {
      const created = await api<Integration>('POST', '/v1/integrations', validIntegration());
      const id = created.body.id;
      await services.sql`
        insert into sf_users (integration_id, id, username, is_active, system_modstamp)
        values (${id}, '005000000000001AAA', 'gone@example.com', true, now())`;
      const purged = await api('DELETE', `/v1/integrations/${id}?purge=true`);
      expect(purged).toMatchObject({ status: 202, body: { id, status: 'purging' } });
      expect((await api('GET', `/v1/integrations/${id}`)).status).toBe(404);
      expect((await api('GET', `/v1/integrations/${id}/users`)).status).toBe(404);
      const listed = await api<Page<Integration>>('GET', '/v1/integrations?limit=200');
      expect(listed.body.data.map((i: { id: string }) => i.id)).not.toContain(id);
      // Purging again is idempotent: the id already answers 404.
      expect((await api('DELETE', `/v1/integrations/${id}?purge=true`)).status).toBe(404);
      const handle = services.temporal.workflow.getHandle(integrationWorkflowId(id));
      expect((await handle.describe()).status.name).toMatch(/COMPLETED|TERMINATED/);
      // The worker's purge workflow deletes the rows, then the integration row.
      const purge = services.temporal.workflow.getHandle(purgeWorkflowId(id));
      expect(await purge.result()).toEqual({ deletedRows: 1 });
      const [left] = await services.sql<{ users: number; integrations: number }[]>`
        select (select count(*)::int from sf_users where integration_id = ${id}) as users,
               (select count(*)::int from integrations where id = ${id}) as integrations`;
      expect(left).toEqual({ users: 0, integrations: 0 });
    });
  });
});
