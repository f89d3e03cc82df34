import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from '../../bench/harness/generate-org';
import { buildTestApp, tenantWithKey, type Services } from '../api/support/harness';
import { connectTestServices } from '../support/context';
import { createTestIntegration } from '../support/factories';

const USERS = 150;
const LOGINS = 3_500;
/** Current findings (one more is generated superseded). */
const FINDINGS = 40;

async function text(res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(200);
  return res.text();
}

/** Streaming exports of collected users and logins, against real PostgreSQL through the API app. */
describe('collected-data export', () => {
  let services: Services;
  let integrationId: string;
  let key: string;
  let harness: ReturnType<typeof buildTestApp>;
  const get = (path: string, apiKey = key) =>
    harness.app.request(`/v1/integrations/${integrationId}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });

  beforeAll(async () => {
    services = await connectTestServices();
    const tenant = await tenantWithKey(services, 'export');
    key = tenant.key;
    ({ integrationId } = await createTestIntegration(services.sql, {
      tenantId: tenant.tenant.id,
      displayName: 'Export org',
    }));
    await generate(services.sql, integrationId, new Date(), USERS, LOGINS);
    // Attacker-influenced text a spreadsheet would run as a formula.
    await services.sql`
      update sf_users set name = '=HYPERLINK("https://evil.example","x")'
      where integration_id = ${integrationId} and id = (select min(id) from sf_users where integration_id = ${integrationId})`;
    // Findings of every kind, status and severity the filters pick from; one superseded (hidden from lists) and
    // one whose analyst note a spreadsheet would run as a formula.
    await services.sql`
      insert into findings (integration_id, kind, severity, dedupe_key, subject, user_id, user_ids, source_ip,
        first_seen_at, last_seen_at, span_from, span_to, status, status_note, details, superseded_at)
      select ${integrationId}, (array['brute_force', 'new_country', 'impossible_travel'])[1 + n % 3],
        (array['medium', 'high', 'critical'])[1 + n % 3], 'export:' || n, u.id, u.id, array[u.id], '203.0.113.' || n,
        now() - make_interval(mins => n * 7), now() - make_interval(mins => n * 7 - 3),
        now() - make_interval(mins => n * 7), now() - make_interval(mins => n * 7 - 3),
        case when n % 4 = 0 then 'acknowledged' else 'open' end,
        case when n = 5 then '=cmd|'' /C calc''!A0' end,
        jsonb_build_object('attempts', n), case when n = 7 then now() end
      from generate_series(1, ${FINDINGS + 1}) n
      cross join lateral (
        select id from sf_users where integration_id = ${integrationId} order by id offset n limit 1
      ) u`;
    harness = buildTestApp(services, { config: { rateLimitPerMinute: 5, maxConcurrentExports: 2 } });
  });
  afterAll(async () => {
    await services?.close();
  });
  // A fresh key per test: the rate limit (5 a minute here) is per key, and one test counts it.
  beforeEach(async () => {
    key = await tenantWithKeyFor(services, integrationId);
  });

  it('streams every login as NDJSON in the listing order, for one token of the rate limit', async () => {
    const res = await get('/logins/export');
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('ratelimit-remaining')).toBe('4');
    const lines = (await text(res)).trimEnd().split('\n');
    expect(lines).toHaveLength(LOGINS);
    const exported = lines.map((line) => JSON.parse(line) as { id: string; loginTime: string });
    expect(new Set(exported.map((l) => l.id)).size).toBe(LOGINS);

    const page = (await (await get('/logins?limit=200')).json()) as { data: unknown[] };
    expect(exported.slice(0, 200)).toEqual(page.data);
  });

  // The export reads the listing's pages 1,000 rows at a time: rows sharing one login time across a batch's
  // edge must each come exactly once, in the listing's order.
  it('keeps every login once across its batches when many share one login time', async () => {
    await services.sql`
      update sf_login_history set login_time = '2026-01-01T00:00:00.123456Z'
      where integration_id = ${integrationId} and id in (
        select id from sf_login_history where integration_id = ${integrationId}
        order by login_time desc, id desc offset 950 limit 120)`;
    const lines = (await text(await get('/logins/export'))).trimEnd().split('\n');
    const exported = lines.map((line) => (JSON.parse(line) as { id: string }).id);
    const listed = await services.sql<{ id: string }[]>`
      select id from sf_login_history where integration_id = ${integrationId} order by login_time desc, id desc`;
    expect(exported).toEqual(listed.map((r) => r.id));
  });

  it('applies the listing filters', async () => {
    const [{ status } = { status: '' }] = await services.sql<{ status: string }[]>`
      select status from sf_login_history where integration_id = ${integrationId} and status <> 'Success' limit 1`;
    const [{ count } = { count: -1 }] = await services.sql<{ count: number }[]>`
      select count(*)::int as count from sf_login_history where integration_id = ${integrationId} and status = ${status}`;
    expect(count).toBeGreaterThan(0);
    const lines = (await text(await get(`/logins/export?status=${encodeURIComponent(status)}`)))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(count);
    expect(lines.every((line) => (JSON.parse(line) as { status: string }).status === status)).toBe(true);

    const bad = await get('/logins/export?country=France');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('country');
  });

  it('writes CSV with every value quoted and formulas neutralised', async () => {
    const res = await get('/users/export?format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="users-${integrationId}.csv"`);
    const lines = (await text(res)).trimEnd().split('\r\n');
    expect(lines).toHaveLength(USERS + 1);
    expect(lines[0]).toMatch(/^"id","username","name",/);
    const evil = lines.find((line) => line.includes('HYPERLINK'));
    expect(evil).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);

    const logins = (await text(await get('/logins/export?format=csv'))).trimEnd().split('\r\n');
    expect(logins[0]).toContain('"geo.city","geo.country"');
    expect(logins).toHaveLength(LOGINS + 1);
  });

  it('streams every current finding as NDJSON, exactly as the listing shows them, for one token', async () => {
    const res = await get('/findings/export');
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="findings-${integrationId}.ndjson"`,
    );
    expect(res.headers.get('ratelimit-remaining')).toBe('4');
    const exported = (await text(res))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; username: string | null });
    expect(exported).toHaveLength(FINDINGS);
    const listed = (await (await get('/findings?limit=200')).json()) as { data: unknown[] };
    expect(exported).toEqual(listed.data);
    expect(exported.every((f) => f.username !== null)).toBe(true);
  });

  it('applies the findings listing filters and names a bad one', async () => {
    const acknowledged = (await text(await get('/findings/export?status=acknowledged&kind=brute_force')))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; kind: string });
    const listed = (await (await get('/findings?status=acknowledged&kind=brute_force&limit=200')).json()) as {
      data: unknown[];
    };
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged).toEqual(listed.data);
    expect(acknowledged.every((f) => f.status === 'acknowledged' && f.kind === 'brute_force')).toBe(true);

    const bad = await get('/findings/export?severity=urgent');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('severity');
    const badFormat = await get('/findings/export?format=xlsx');
    expect(badFormat.status).toBe(400);
  });

  it("writes the findings listing's CSV, formulas neutralised", async () => {
    const res = await get('/findings/export?format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await text(res);
    // Byte for byte the CSV of the listing when one page holds every finding.
    // (A listing as CSV is a report and costs 10 tokens: read it through an app with room for it.)
    const roomy = buildTestApp(services, { config: { rateLimitPerMinute: 1000 } });
    const listed = await roomy.app.request(
      `/v1/integrations/${integrationId}/findings?format=csv&limit=200`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    expect(csv).toBe(await text(listed));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(FINDINGS + 1);
    expect(lines[0]).toMatch(/^"id","integration_id","kind",/);
    expect(csv).toContain(`"'=cmd|' /C calc'!A0"`);
  });

  it('holds a connection only while the reader reads, and frees it when the reader goes away', async () => {
    const first = await get('/logins/export');
    const second = await get('/logins/export');
    // Read one chunk of each, then stop reading: both exports now wait on their readers.
    const readers = [first, second].map((r) => r.body!.getReader());
    for (const reader of readers) expect((await reader.read()).done).toBe(false);

    const third = await get('/logins/export');
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('exports_busy');

    for (const reader of readers) await reader.cancel();
    const again = (await text(await get('/users/export'))).trimEnd().split('\n');
    expect(again).toHaveLength(USERS);
    // No cursor is left open on the server.
    const [open] = await services.sql<{ count: number }[]>`
      select count(*)::int as count from pg_stat_activity
      where datname = current_database() and state like 'idle in transaction%' and query ilike '%sf_login_history%'`;
    expect(open!.count).toBe(0);
  });
});

/** A new API key for the integration's tenant. */
async function tenantWithKeyFor(services: Services, integrationId: string): Promise<string> {
  const [row] = await services.sql<{ name: string }[]>`
    select t.name from tenants t join integrations i on i.tenant_id = t.id where i.id = ${integrationId}`;
  const { createApiKey } = await import('../../platform/api-keys');
  return (await createApiKey(services.sql, { tenantName: row!.name, name: 'second' })).key;
}
