import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationWorkflowId } from '../../workflows/definitions';
import { IntegrationStateAttribute, TenantIdAttribute } from '../../workflows/search-attributes';
import { connectTestServices } from '../support/context';
import { stubReceivedQuery } from './support/stub-integration-workflow';
import {
  buildTestApp,
  client,
  startStubWorker,
  tenantWithKey,
  validIntegration,
  type Services,
} from './support/harness';

describe('integrations CRUD', () => {
  let services: Services;
  let harness: ReturnType<typeof buildTestApp>;
  let worker: Awaited<ReturnType<typeof startStubWorker>>;
  let api: ReturnType<typeof client>;
  let tenantId: string;

  beforeAll(async () => {
    services = await connectTestServices();
    harness = buildTestApp(services);
    worker = await startStubWorker(harness.deps.config.taskQueue!);
    const t = await tenantWithKey(services);
    tenantId = t.tenant.id;
    api = client(harness.app, t.key);
  });
  afterAll(async () => {
    await worker?.stop();
    await services?.close();
  });

  describe('POST /v1/integrations', () => {
    it('creates the integration, encrypts the secret, masks it and starts the workflow', async () => {
      const input = validIntegration({ options: { quotaThresholdPercent: 60, timezone: 'Europe/Paris' } });
      const res = await api('POST', '/v1/integrations', input);
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
      expect(harness.secrets.decrypt(row!.consumer_secret_ciphertext, row!.consumer_secret_key_id)).toBe(
        input.consumerSecret,
      );

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
      const res = await api('POST', '/v1/integrations', {
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
      const again = await api('POST', '/v1/integrations', { ...input, displayName: 'Again' });
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
      const res = await api('POST', '/v1/integrations', validIntegration(patch));
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
      const malformed = await api('POST', '/v1/integrations', '{"displayName": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('malformed_json');

      const text = await api('POST', '/v1/integrations', 'hello', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');

      const huge = await api(
        'POST',
        '/v1/integrations',
        validIntegration({ displayName: 'x'.repeat(70_000) }),
      );
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
    });

    it('accepts the simulator URL when local URLs are allowed', async () => {
      const local = buildTestApp(services, { config: { allowLocalSalesforceUrls: true } });
      const t = await tenantWithKey(services);
      const res = await client(local.app, t.key)(
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
        created.push((await own('POST', '/v1/integrations', validIntegration())).body.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await own('GET', `/v1/integrations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(created);
      expect(seen.join()).not.toMatch(/consumerSecret"/);

      const filtered = await own('GET', '/v1/integrations?state=connected');
      expect(filtered.body.data).toEqual([]);
    });

    it('answers 400 for a tampered cursor or a bad limit', async () => {
      expect((await api('GET', '/v1/integrations?cursor=bm9wZQ')).body.error.code).toBe('invalid_request');
      const forged = Buffer.from(JSON.stringify({ l: 'integrations', k: ["1' or 1=1", 'x'] })).toString(
        'base64url',
      );
      expect((await api('GET', `/v1/integrations?cursor=${forged}`)).status).toBe(400);
      expect((await api('GET', '/v1/integrations?limit=0')).status).toBe(400);
      expect((await api('GET', '/v1/integrations?limit=1000')).status).toBe(400);
    });
  });

  describe('GET /v1/integrations/:id', () => {
    it('shows the live status from the workflow', async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const res = await api('GET', `/v1/integrations/${created.body.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: created.body.id,
        statusSource: 'workflow',
        statusNote: null,
        state: 'awaiting_test',
        quota: { thresholdPercent: 75, usagePercent: 0.12 },
        pausedUntil: null,
        currentRun: null,
        schedule: null,
      });
    });

    it('falls back to stored data, and says so, when the workflow is not running', async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      await services.temporal.workflow.getHandle(integrationWorkflowId(created.body.id)).terminate('test');
      await services.sql`
        insert into collection_runs (integration_id, kind, trigger, status, finished_at, api_calls, progress, workflow_id)
        values (${created.body.id}, 'initial', 'collect_now', 'succeeded', now(), 42,
          ${services.sql.json({ User: { pages: 2, records: 300, cursor: null, startedAt: null, finishedAt: null } })}, 'x')`;
      const res = await api('GET', `/v1/integrations/${created.body.id}`);
      expect(res.status).toBe(200);
      expect(res.body.statusSource).toBe('database');
      expect(res.body.statusNote).toMatch(/not running/);
      expect(res.body.lastRun).toMatchObject({ status: 'succeeded', apiCalls: 42, records: { User: 300 } });
    });

    it("answers 404 for unknown, malformed and other tenants' ids alike", async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const other = client(harness.app, (await tenantWithKey(services)).key);
      const answers = await Promise.all([
        api('GET', '/v1/integrations/7c0d0d8e-0a4e-4b8e-9d43-4b8f3f7f0e11'),
        api('GET', '/v1/integrations/not-a-uuid'),
        api('GET', "/v1/integrations/1'%20or%201=1"),
        other('GET', `/v1/integrations/${created.body.id}`),
        other('PATCH', `/v1/integrations/${created.body.id}`, { displayName: 'mine now' }),
        other('DELETE', `/v1/integrations/${created.body.id}`),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(404);
        expect(res.body.error).toMatchObject({
          code: 'not_found',
          message: 'No integration with this id exists',
        });
      }
      expect((await api('GET', `/v1/integrations/${created.body.id}`)).body.displayName).toBe(
        'Acme production',
      );
    });
  });

  describe('PATCH /v1/integrations/:id', () => {
    it('renames and merges options without touching the others', async () => {
      const created = await api(
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

    it('replaces credentials, bumps the version and signals the workflow', async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const res = await api('PATCH', `/v1/integrations/${created.body.id}`, {
        credentials: { consumerSecret: 'NEWSECRET-0000-ZZZZ' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ credentialsVersion: 2, consumerSecretMasked: '••••••••ZZZZ' });
      expect(res.text).not.toContain('NEWSECRET-0000-ZZZZ');
      const [row] = await services.sql<{ c: Buffer; k: string }[]>`
        select consumer_secret_ciphertext as c, consumer_secret_key_id as k from integrations where id = ${created.body.id}`;
      expect(harness.secrets.decrypt(row!.c, row!.k)).toBe('NEWSECRET-0000-ZZZZ');
      const handle = services.temporal.workflow.getHandle(integrationWorkflowId(created.body.id));
      await expect.poll(async () => (await handle.query(stubReceivedQuery)).credentialsUpdated).toBe(1);
      expect(JSON.stringify(await handle.fetchHistory())).not.toContain('NEWSECRET-0000-ZZZZ');
    });

    it.each([
      [{}, /nothing to change/],
      [{ credentials: {} }, /consumerKey, consumerSecret or both/],
      [{ salesforceUrl: 'https://other.my.salesforce.com' }, /salesforceUrl/],
      [{ options: { quotaThresholdPercent: 0 } }, /quotaThresholdPercent/],
    ])('answers 400 for %j', async (body, message) => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const res = await api('PATCH', `/v1/integrations/${created.body.id}`, body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toMatch(message);
    });
  });

  describe('DELETE /v1/integrations/:id', () => {
    it('disconnects: signals the workflow, keeps collected data, refuses changes afterwards', async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const id = created.body.id as string;
      await services.sql`
        insert into sf_users (integration_id, id, username, is_active, system_modstamp)
        values (${id}, '005000000000001AAA', 'kept@example.com', true, now())`;
      const res = await api('DELETE', `/v1/integrations/${id}`);
      expect(res.status).toBe(204);
      const handle = services.temporal.workflow.getHandle(integrationWorkflowId(id));
      await expect
        .poll(async () => (await handle.describe()).status.name, { timeout: 10_000 })
        .toBe('COMPLETED');

      const shown = await api('GET', `/v1/integrations/${id}`);
      expect(shown.body).toMatchObject({ state: 'disconnected', enabled: false, statusSource: 'database' });
      expect(shown.body.disconnectedAt).not.toBeNull();
      expect((await api('GET', `/v1/integrations/${id}/users`)).body.data).toHaveLength(1);

      const patch = await api('PATCH', `/v1/integrations/${id}`, { displayName: 'x' });
      expect(patch.status).toBe(409);
      expect(patch.body.error.code).toBe('integration_disconnected');
      expect((await api('DELETE', `/v1/integrations/${id}`)).status).toBe(204);

      // The same org can be added again once the old integration is disconnected.
      const again = await api('POST', '/v1/integrations', {
        ...validIntegration(),
        salesforceUrl: created.body.salesforceUrl,
      });
      expect(again.status).toBe(201);
    });

    it('purges: deletes the integration and everything collected', async () => {
      const created = await api('POST', '/v1/integrations', validIntegration());
      const id = created.body.id as string;
      await services.sql`
        insert into sf_users (integration_id, id, username, is_active, system_modstamp)
        values (${id}, '005000000000001AAA', 'gone@example.com', true, now())`;
      expect((await api('DELETE', `/v1/integrations/${id}?purge=true`)).status).toBe(204);
      expect((await api('GET', `/v1/integrations/${id}`)).status).toBe(404);
      const [count] = await services.sql<
        { n: number }[]
      >`select count(*) as n from sf_users where integration_id = ${id}`;
      expect(count!.n).toBe(0);
      const handle = services.temporal.workflow.getHandle(integrationWorkflowId(id));
      expect((await handle.describe()).status.name).toMatch(/COMPLETED|TERMINATED/);
    });
  });
});
