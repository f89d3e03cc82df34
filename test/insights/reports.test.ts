import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import { TRUNCATION_MARKER } from '../../api/routes/insights/respond';
import type { AuthActivityView, UnusedAccountsBody } from '../../api/schemas/insights';
import { recomputeFindings } from '../../insights/findings';
import { salesforceId18 } from '../../insights/salesforce-id';
import { buildTestApp, client, tenantWithKey, type Answer } from '../api/support/harness';
import { useTestServices } from '../support/context';
import { createTenantIntegration, insertLogins, insertUsers } from './fixtures';
import { FIXTURE_NOW, loadFixtureOrg } from './fixture-org';

const services = useTestServices();
let call: ReturnType<typeof client>;
let tenantId: string;

beforeAll(async () => {
  const { app } = buildTestApp(services, { now: () => FIXTURE_NOW });
  const mine = await tenantWithKey(services, 'insights-reports');
  call = client(app, mine.key);
  tenantId = mine.tenant.id;
});

const csvLines = (text: string) => text.split('\r\n').filter((line) => line !== '');
const firstCells = (text: string) =>
  csvLines(text)
    .slice(1)
    .map((line) => line.split(',')[0]!);

describe('reports are never cut silently (D11)', () => {
  it('pages the timeline in JSON and CSV, marking every cut page and losing no row', async () => {
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenantId);
    const user = salesforceId18('005TLN000000001');
    await insertUsers(services.sql, integrationId, [{ id: user }]);
    // Five logins, two in the same millisecond (the cursor keeps microseconds and breaks ties on the id).
    const at = (minute: number) => new Date(Date.parse('2026-05-10T12:00:00Z') + minute * 60_000);
    await insertLogins(services.sql, integrationId, [
      { id: '0YaTLN000000000001', userId: user, at: at(1) },
      { id: '0YaTLN000000000002', userId: user, at: at(2) },
      { id: '0YaTLN000000000003', userId: user, at: at(2) },
      { id: '0YaTLN000000000004', userId: user, at: at(3) },
      { id: '0YaTLN000000000005', userId: user, at: at(4) },
    ]);
    // A 15-character id (as Setup URLs show it) finds the stored 18-character one.
    const base = `/v1/integrations/${integrationId}/auth-activity?view=timeline&userId=005TLN000000001&from=2026-05-01&to=2026-06-01&limit=2`;

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Answer<AuthActivityView<'timeline'>> = await call(
        'GET',
        `${base}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.truncated).toBe(res.body.nextCursor !== null);
      seen.push(...res.body.rows.map((r: { loginHistoryId: string }) => r.loginHistoryId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      '0YaTLN000000000005',
      '0YaTLN000000000004',
      '0YaTLN000000000003',
      '0YaTLN000000000002',
      '0YaTLN000000000001',
    ]);

    const first = await call('GET', `${base}&format=csv`);
    expect(first.headers.get('x-truncated')).toBe('true');
    const next = first.headers.get('x-next-cursor')!;
    expect(next).toBeTruthy();
    const lines = csvLines(first.text);
    expect(lines).toHaveLength(1 + 2 + 1);
    expect(lines.at(-1)).toBe(`"${TRUNCATION_MARKER}${next}"` + ','.repeat(9));
    const csvSeen = firstCells(first.text).slice(0, 2);
    let csvCursor: string | null = next;
    while (csvCursor) {
      const page: Answer<unknown> = await call('GET', `${base}&format=csv&cursor=${csvCursor}`);
      csvCursor = page.headers.get('x-next-cursor');
      const cells = firstCells(page.text);
      csvSeen.push(...(csvCursor ? cells.slice(0, -1) : cells));
      if (!csvCursor) {
        expect(page.headers.get('x-truncated')).toBeNull();
        expect(page.text).not.toContain(TRUNCATION_MARKER);
      }
    }
    expect(csvSeen).toEqual(seen.map((id) => `"${id}"`));
  });

  it('marks a cut findings CSV page, and the unused-accounts CSV lists every user while JSON pages', async () => {
    const { integrationId } = await createTenantIntegration(
      services.sql,
      { licenseMonthlyPrices: { Salesforce: 100 } },
      tenantId,
    );
    await loadFixtureOrg(services.sql, integrationId);
    await recomputeFindings(services.sql, { integrationId, since: null, now: FIXTURE_NOW });

    const findings = await call('GET', `/v1/integrations/${integrationId}/findings?limit=3&format=csv`);
    expect(findings.headers.get('x-truncated')).toBe('true');
    expect(csvLines(findings.text).at(-1)).toContain(TRUNCATION_MARKER);
    const all = await call('GET', `/v1/integrations/${integrationId}/findings?limit=200&format=csv`);
    expect(all.headers.get('x-truncated')).toBeNull();
    expect(all.text).not.toContain(TRUNCATION_MARKER);
    expect(csvLines(all.text)).toHaveLength(1 + 10);

    // Users who never logged in (null last login) and users who did, over several pages of one.
    const whole = await call<UnusedAccountsBody>(
      'GET',
      `/v1/integrations/${integrationId}/unused-accounts?days=30&limit=1000`,
    );
    const everyone = whole.body.users.map((u: { userId: string }) => u.userId);
    expect(everyone.length).toBeGreaterThan(2);
    expect(whole.body.usersTruncated).toBe(false);
    expect(whole.body.nextCursor).toBeNull();
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer<UnusedAccountsBody> = await call(
        'GET',
        `/v1/integrations/${integrationId}/unused-accounts?days=30&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.body.users).toHaveLength(1);
      expect(res.body.usersTruncated).toBe(res.body.nextCursor !== null);
      // Totals always count everyone.
      expect(res.body.totals).toEqual(whole.body.totals);
      paged.push(res.body.users[0]!.userId);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(everyone);

    const csv = await call(
      'GET',
      `/v1/integrations/${integrationId}/unused-accounts?days=30&limit=1&format=csv`,
    );
    expect(csv.headers.get('x-truncated')).toBeNull();
    expect(firstCells(csv.text)).toEqual(everyone.map((id: string) => `"${id}"`));
  });
});

describe('reports in the integration time zone', () => {
  // America/New_York: 8 March 2026 is 23 hours long (clocks go forward), 1 November 2026 is 25 hours long.
  const logins = [
    '2026-03-08T04:59:59Z', // 7 March, 23:59:59 EST
    '2026-03-08T05:00:00Z', // 8 March, 00:00 EST
    '2026-03-09T03:59:59Z', // 8 March, 23:59:59 EDT
    '2026-03-09T04:00:00Z', // 9 March, 00:00 EDT
    '2026-11-01T03:59:59Z', // 31 October, 23:59:59 EDT
    '2026-11-01T04:00:00Z', // 1 November, 00:00 EDT
    '2026-11-02T04:59:59Z', // 1 November, 23:59:59 EST
    '2026-11-02T05:00:00Z', // 2 November, 00:00 EST
  ];
  const newYorkDays = {
    '2026-03-07': 1,
    '2026-03-08': 2,
    '2026-03-09': 1,
    '2026-10-31': 1,
    '2026-11-01': 2,
    '2026-11-02': 1,
  };
  const utcDays = { '2026-03-08': 2, '2026-03-09': 2, '2026-11-01': 2, '2026-11-02': 2 };

  async function orgIn(timezone: string) {
    const { integrationId } = await createTenantIntegration(services.sql, { timezone }, tenantId);
    const user = '005TZN000000001AAA';
    await insertUsers(services.sql, integrationId, [{ id: user }]);
    await insertLogins(
      services.sql,
      integrationId,
      logins.map((at, i) => ({ id: `0YaTZN00000000000${i}`, userId: user, at: new Date(at) })),
    );
    await recomputeFindings(services.sql, { integrationId, since: null, now: FIXTURE_NOW });
    return integrationId;
  }

  async function days(integrationId: string, query: string) {
    const res = await call<AuthActivityView<'summary'>>(
      'GET',
      `/v1/integrations/${integrationId}/auth-activity?view=summary&groupBy=day&${query}`,
    );
    expect(res.status, res.text).toBe(200);
    const rows = res.body.rows.filter((r: { dimension: string }) => r.dimension === 'status');
    return {
      timeZone: res.body.timeZone,
      from: res.body.from,
      days: Object.fromEntries(rows.map((r: { period: string; logins: number }) => [r.period, r.logins])),
    };
  }

  it('counts 23- and 25-hour local days, from the rollup and from LoginHistory alike', async () => {
    const newYork = await orgIn('America/New_York');
    const utc = await orgIn('UTC');
    const year = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    // The integration's zone by default (the rollup), any other zone on request (LoginHistory), both ways.
    expect(await days(newYork, year)).toMatchObject({ timeZone: 'America/New_York', days: newYorkDays });
    expect(await days(utc, `${year}&timeZone=America/New_York`)).toMatchObject({ days: newYorkDays });
    // Any spelling ICU accepts is answered under its canonical name (and from the rollup).
    expect(await days(newYork, `${year}&timeZone=US/Eastern`)).toMatchObject({
      timeZone: 'America/New_York',
      days: newYorkDays,
    });
    expect(await days(utc, year)).toMatchObject({ timeZone: 'UTC', days: utcDays });
    expect(await days(newYork, `${year}&timeZone=UTC`)).toMatchObject({ days: utcDays });

    // A date-only range is whole local days: 8 March (23 h) and 1 November (25 h) alone.
    expect(await days(newYork, 'from=2026-03-08&to=2026-03-09')).toEqual({
      timeZone: 'America/New_York',
      from: '2026-03-08T05:00:00.000Z',
      days: { '2026-03-08': 2 },
    });
    expect((await days(newYork, 'from=2026-11-01&to=2026-11-02')).days).toEqual({ '2026-11-01': 2 });
    expect((await days(utc, 'from=2026-11-01&to=2026-11-02&timeZone=America/New_York')).days).toEqual({
      '2026-11-01': 2,
    });

    // ISO weeks of local days: 7 and 8 March (Saturday, Sunday) close the week of Monday 2 March, the login at
    // 9 March 00:00 EDT opens the next (in UTC it would be 2 and 2).
    const weeks = await call<AuthActivityView<'summary'>>(
      'GET',
      `/v1/integrations/${newYork}/auth-activity?view=summary&groupBy=week&from=2026-03-01&to=2026-03-16`,
    );
    const byWeek = weeks.body.rows
      .filter((r: { dimension: string }) => r.dimension === 'status')
      .map((r: { period: string; logins: number }) => [r.period, r.logins]);
    expect(byWeek).toEqual([
      ['2026-03-02', 3],
      ['2026-03-09', 1],
    ]);
    // The same weeks counted from LoginHistory (a zone other than the rollup's): one row per week too.
    const weeksFromHistory = await call<AuthActivityView<'summary'>>(
      'GET',
      `/v1/integrations/${utc}/auth-activity?view=summary&groupBy=week&from=2026-03-01&to=2026-03-16&timeZone=America/New_York`,
    );
    expect(
      weeksFromHistory.body.rows
        .filter((r: { dimension: string }) => r.dimension === 'status')
        .map((r: { period: string; logins: number }) => [r.period, r.logins]),
    ).toEqual(byWeek);
  });

  it('rejects a time zone that is not an IANA name, naming the parameter', async () => {
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenantId);
    const res = await call<ErrorBody>(
      'GET',
      `/v1/integrations/${integrationId}/auth-activity?timeZone=Mars/Olympus`,
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain('timeZone');
  });
});
