import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import type { TrustedNetwork } from '../../api/routes/insights/trusted-networks';
import type {
  AuthActivityView,
  FindingPageBody,
  FindingWithHistoryBody,
  UnusedAccountsBody,
} from '../../api/schemas/insights';
import { escapeCsvField, toCsv } from '../../insights/csv';
import { recomputeFindings } from '../../insights/findings';
import { buildTestApp, client, tenantWithKey, type Answer } from '../api/support/harness';
import { useTestServices } from '../support/context';
import { createTenantIntegration } from './fixtures';
import { FIXTURE_NOW, fixtureUsers, loadFixtureOrg } from './fixture-org';

const services = useTestServices();
let app: ReturnType<typeof buildTestApp>['app'];
let call: ReturnType<typeof client>;
let otherCall: ReturnType<typeof client>;
let integrationId: string;
let otherIntegrationId: string;

beforeAll(async () => {
  ({ app } = buildTestApp(services, { now: () => FIXTURE_NOW }));
  const mine = await tenantWithKey(services, 'insights');
  const theirs = await tenantWithKey(services, 'insights-other');
  call = client(app, mine.key);
  otherCall = client(app, theirs.key);
  ({ integrationId } = await createTenantIntegration(
    services.sql,
    { licenseMonthlyPrices: { Salesforce: 100 } },
    mine.tenant.id,
  ));
  ({ integrationId: otherIntegrationId } = await createTenantIntegration(services.sql, {}, theirs.tenant.id));
  await loadFixtureOrg(services.sql, integrationId);
  await loadFixtureOrg(services.sql, otherIntegrationId);
  await recomputeFindings(services.sql, { integrationId, since: null, now: FIXTURE_NOW });
  await recomputeFindings(services.sql, { integrationId: otherIntegrationId, since: null, now: FIXTURE_NOW });
});

describe('insight routes: happy paths', () => {
  it('reports unused accounts with savings from the configured licence price', async () => {
    const res = await call<UnusedAccountsBody>(
      'GET',
      `/v1/integrations/${integrationId}/unused-accounts?days=30`,
    );
    expect(res.status).toBe(200);
    const salesforce = res.body.licenses.find((l: { license: string }) => l.license === 'Salesforce');
    expect(salesforce!.reclaimable).toBeGreaterThan(0);
    expect(salesforce!.estimatedMonthlySavings).toBe(salesforce!.reclaimable * 100);
    expect(res.body.apiOnlyUsers.map((u: { userId: string }) => u.userId)).toEqual([fixtureUsers.apiOnly]);
    expect(res.body.users.map((u: { userId: string }) => u.userId)).toContain(fixtureUsers.frozen);
  });

  it('serves every auth-activity view as JSON and CSV', async () => {
    const base = `/v1/integrations/${integrationId}/auth-activity?from=2026-05-01&to=2026-06-01`;
    const summary = await call<AuthActivityView<'summary'>>('GET', `${base}&groupBy=week`);
    expect(summary.status).toBe(200);
    expect(
      summary.body.rows.some((r: { dimension: string; value: string }) => r.value === 'Invalid Password'),
    ).toBe(true);

    const csv = await call('GET', `${base}&view=top-users`, undefined, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe(
      '"user_id","username","name","failures","distinct_source_ips","last_failure_at"',
    );
    expect(csv.text).toContain(fixtureUsers.bruteForced);

    const ips = await call('GET', `${base}&view=top-ips&format=csv`);
    expect(ips.text.split('\r\n')[1]).toMatch(/^"203\.0\.113\.9","20","20",/);

    const timeline = await call<AuthActivityView<'timeline'>>(
      'GET',
      `${base}&view=timeline&userId=${fixtureUsers.travelling}`,
    );
    const times = timeline.body.rows.map((r: { loginTime: string }) => r.loginTime);
    expect(times).toEqual([...times].sort().reverse());
    expect(timeline.body.rows).toContainEqual(expect.objectContaining({ country: 'AU', status: 'Success' }));
  });

  it('lists findings page by page, filters them and keeps an acknowledgement', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer<FindingPageBody> = await call(
        'GET',
        `/v1/integrations/${integrationId}/findings?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((f: { id: string }) => f.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);

    const brute = await call<FindingPageBody>(
      'GET',
      `/v1/integrations/${integrationId}/findings?kind=brute_force`,
    );
    expect(brute.body.data).toHaveLength(1);
    const id = brute.body.data[0]!.id;
    const patched = await call<FindingWithHistoryBody>(
      'PATCH',
      `/v1/integrations/${integrationId}/findings/${id}`,
      {
        status: 'acknowledged',
        note: 'reset password',
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'acknowledged', statusNote: 'reset password' });
    expect(patched.body.statusHistory).toEqual([
      expect.objectContaining({
        fromStatus: 'open',
        toStatus: 'acknowledged',
        note: 'reset password',
        reason: 'analyst',
        actor: { apiKeyId: expect.any(String), name: expect.any(String) },
      }),
    ]);
    // A change without a note keeps the previous one; the history has both entries.
    const resolved = await call<FindingWithHistoryBody>(
      'PATCH',
      `/v1/integrations/${integrationId}/findings/${id}`,
      {
        status: 'resolved',
      },
    );
    expect(resolved.body).toMatchObject({ status: 'resolved', statusNote: 'reset password' });
    const one = await call<FindingWithHistoryBody>('GET', `/v1/integrations/${integrationId}/findings/${id}`);
    expect(one.body.statusHistory.map((h: { toStatus: string }) => h.toStatus)).toEqual([
      'acknowledged',
      'resolved',
    ]);
    await call('PATCH', `/v1/integrations/${integrationId}/findings/${id}`, { status: 'acknowledged' });
    await recomputeFindings(services.sql, { integrationId, since: null, now: FIXTURE_NOW });
    const acknowledged = await call<FindingPageBody>('GET', `/v1/findings?status=acknowledged`);
    expect(acknowledged.body.data.map((f: { id: string }) => f.id)).toEqual([id]);

    const tenantWide = await call<FindingPageBody>('GET', `/v1/findings?limit=200`);
    expect(tenantWide.body.data).toHaveLength(10);
  });

  it('documents every insight path in the OpenAPI document', async () => {
    const res = await app.request('/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/integrations/{id}/unused-accounts',
        '/v1/integrations/{id}/auth-activity',
        '/v1/integrations/{id}/findings',
        '/v1/integrations/{id}/findings/{findingId}',
        '/v1/findings',
        '/v1/integrations/{id}/trusted-networks',
        '/v1/integrations/{id}/trusted-networks/{networkId}',
      ]),
    );
    expect(doc.paths['/v1/integrations/{id}/findings/{findingId}']).toHaveProperty('get');
    expect(doc.paths['/v1/integrations/{id}/findings/{findingId}']).toHaveProperty('patch');
  });
});

describe('trusted networks', () => {
  it('adds, lists and removes networks, normalising host bits, and rejects bad ones naming the field', async () => {
    const base = `/v1/integrations/${integrationId}/trusted-networks`;
    const added = await call<TrustedNetwork>('POST', base, { cidr: '198.51.100.7/24', label: 'VPN egress' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ cidr: '198.51.100.0/24', label: 'VPN egress' });
    expect((await call('POST', base, { cidr: '198.51.100.0/24', label: 'again' })).status).toBe(409);
    const bad = await call<ErrorBody>('POST', base, { cidr: '10.0.0.300/8', label: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain('cidr');
    const unknown = await call('POST', base, { cidr: '10.0.0.0/8', label: 'x', typo: 1 });
    expect(unknown.status).toBe(400);
    const list = await call<{ data: TrustedNetwork[] }>('GET', base);
    expect(list.body.data.map((n: { cidr: string }) => n.cidr)).toEqual(['198.51.100.0/24']);
    expect((await otherCall('GET', base)).status).toBe(404);
    expect((await call('DELETE', `${base}/${added.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `${base}/${added.body.id}`)).status).toBe(404);
  });
});

describe('insight routes: errors', () => {
  it('rejects bad parameters with the error envelope', async () => {
    const noUser = await call<ErrorBody>(
      'GET',
      `/v1/integrations/${integrationId}/auth-activity?view=timeline`,
    );
    expect(noUser.status).toBe(400);
    expect(noUser.body.error).toMatchObject({ code: 'invalid_request' });
    const badDays = await call('GET', `/v1/integrations/${integrationId}/unused-accounts?days=0`);
    expect(badDays.status).toBe(400);
    const badStatus = await call('GET', `/v1/integrations/${integrationId}/findings?status=closed`);
    expect(badStatus.status).toBe(400);
    const badCursor = await call('GET', `/v1/findings?cursor=bm90LWEtY3Vyc29y`);
    expect(badCursor.status).toBe(400);
    const badBody = await call(
      'PATCH',
      `/v1/integrations/${integrationId}/findings/00000000-0000-4000-8000-000000000000`,
      { status: 'ignored' },
    );
    expect(badBody.status).toBe(400);
    const missing = await call(
      'PATCH',
      `/v1/integrations/${integrationId}/findings/00000000-0000-4000-8000-000000000000`,
      { status: 'resolved' },
    );
    expect(missing.status).toBe(404);
  });
});

describe('insight routes: tenant isolation', () => {
  it("answers 404 for another tenant's integration and its findings, and lists only the tenant's own", async () => {
    for (const path of ['unused-accounts', 'auth-activity', 'findings']) {
      const res = await call<ErrorBody>('GET', `/v1/integrations/${otherIntegrationId}/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const theirs = await otherCall<FindingPageBody>(
      'GET',
      `/v1/integrations/${otherIntegrationId}/findings?limit=1`,
    );
    const patch = await call(
      'PATCH',
      `/v1/integrations/${otherIntegrationId}/findings/${theirs.body.data[0]!.id}`,
      {
        status: 'resolved',
      },
    );
    expect(patch.status).toBe(404);
    const crossed = await call(
      'PATCH',
      `/v1/integrations/${integrationId}/findings/${theirs.body.data[0]!.id}`,
      {
        status: 'resolved',
      },
    );
    expect(crossed.status).toBe(404);
    const mine = await call<FindingPageBody>('GET', `/v1/findings?limit=200`);
    expect(mine.body.data.every((f: { integrationId: string }) => f.integrationId === integrationId)).toBe(
      true,
    );
    const anonymous = await client(app, undefined)('GET', `/v1/findings`);
    expect(anonymous.status).toBe(401);
  });
});

describe('CSV export', () => {
  it('quotes separators, quotes and newlines and defuses spreadsheet formulas', () => {
    // Every value is quoted (security review M1); test/security/csv-injection.test.ts has the attack corpus.
    expect(escapeCsvField('plain')).toBe('"plain"');
    expect(escapeCsvField('a,b')).toBe('"a,b"');
    expect(escapeCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(escapeCsvField('line\nbreak')).toBe('"line\nbreak"');
    expect(escapeCsvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(escapeCsvField(-3)).toBe('"-3"');
    expect(escapeCsvField(null)).toBe('');
    expect(toCsv([{ header: 'a', value: (r: { a: string }) => r.a }], [{ a: 'x' }])).toBe('"a"\r\n"x"\r\n');
  });
});

describe('insight routes: findings of an integration with none', () => {
  // The listing checks the tenant inside its page query; an empty page must not be mistaken for "not yours".
  it('answers an empty page for its own integration and 404 for another tenant', async () => {
    const mine = await tenantWithKey(services, 'insights-empty');
    const { integrationId: empty } = await createTenantIntegration(services.sql, {}, mine.tenant.id);
    const res = await client(app, mine.key)('GET', `/v1/integrations/${empty}/findings`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], nextCursor: null });
    expect((await call('GET', `/v1/integrations/${empty}/findings`)).status).toBe(404);
  });
});
