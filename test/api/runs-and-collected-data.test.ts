import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestServices } from '../support/context';
import { createTestIntegration, createTestRun } from '../support/factories';
import type { ErrorBody } from '../../api/errors';
import { buildTestApp, client, tenantWithKey, type Services, type Answer } from './support/harness';
import type { Page } from '../../api/pagination';
import type { LoginEvent, SalesforceUser } from '../../api/schemas/collected';
import type { CollectionRun } from '../../api/schemas/run';

/** Runs, users and logins are read straight from PostgreSQL, so rows are seeded directly (no workflow needed). */
describe('collection runs and collected data', () => {
  let services: Services;
  let api: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;
  let integrationId: string;
  const runIds: string[] = [];

  beforeAll(async () => {
    services = await connectTestServices();
    const { app } = buildTestApp(services);
    const t = await tenantWithKey(services);
    api = client(app, t.key);
    other = client(app, (await tenantWithKey(services)).key);
    const sql = services.sql;
    ({ integrationId } = await createTestIntegration(sql, { tenantId: t.tenant.id, displayName: 'Seeded' }));

    for (let i = 0; i < 3; i++) {
      const run = await createTestRun(sql, integrationId, {
        kind: i === 0 ? 'initial' : 'incremental',
        trigger: 'schedule',
        status: i === 1 ? 'failed' : 'succeeded',
        started_at: new Date(Date.UTC(2026, 4, 1 + i)),
        finished_at: new Date(Date.UTC(2026, 4, 1 + i, 1)),
        api_calls: 10 + i,
        progress: {
          User: {
            pages: 1,
            records: 5,
            cursor: null,
            startedAt: '2026-05-01T00:00:00Z',
            finishedAt: '2026-05-01T00:01:00Z',
          },
          LoginHistory: {
            pages: 2,
            records: 7,
            cursor: 'LoginTime 2026-05-01T00:00:00Z / 0Ya',
            startedAt: null,
            finishedAt: null,
          },
        },
        pauses:
          i === 2
            ? [
                {
                  reason: 'quota',
                  usage: 80,
                  max: 100,
                  threshold: 75,
                  at: '2026-05-03T00:10:00Z',
                  resumeAt: '2026-05-04T00:00:00Z',
                  resumedAt: null,
                },
              ]
            : [],
        error: i === 1 ? 'Salesforce answered 500' : null,
        workflow_id: 'wf',
      });
      runIds.push(run);
    }

    const users = [
      [
        '005A00000000000AAA',
        'alice@acme.com',
        true,
        'Salesforce',
        'System Administrator',
        Date.UTC(2026, 3, 1),
      ],
      ['005B00000000000AAA', 'bob@acme.com', true, 'Salesforce', 'Standard User', Date.UTC(2025, 0, 1)],
      ['005C00000000000AAA', 'carol@acme.com', false, 'Salesforce Platform', 'Standard User', null],
      ['005D00000000000AAA', 'dave@acme.com', true, 'Salesforce', 'Standard User', Date.UTC(2026, 4, 20)],
      ['005E00000000000AAA', 'erin@acme.com', true, 'Chatter Free', 'Chatter Free User', null],
    ] as const;
    for (const [id, username, active, license, profile, lastLogin] of users) {
      await sql`
        insert into sf_users (integration_id, id, username, is_active, user_license_name, profile_name, last_login_at,
          system_modstamp)
        values (${integrationId}, ${id}, ${username}, ${active}, ${license}, ${profile},
          ${lastLogin === null ? null : new Date(lastLogin)}, now())`;
    }
    await sql`
      insert into sf_user_logins (integration_id, id, user_id, is_frozen, is_password_locked)
      values (${integrationId}, '0YwB', '005B00000000000AAA', true, false), (${integrationId}, '0YwA', '005A00000000000AAA', false, true)`;

    // 30 logins; several share a login time (to the microsecond) to exercise the keyset tie-break.
    for (let i = 0; i < 30; i++) {
      const at = new Date(Date.UTC(2026, 4, 1, 0, Math.floor(i / 3)));
      await sql`
        insert into sf_login_history (integration_id, id, user_id, login_time, login_type, status, source_ip,
          country_iso, geo_country_iso)
        values (${integrationId}, ${`0Ya${String(i).padStart(3, '0')}`}, ${i % 2 ? '005A00000000000AAA' : '005B00000000000AAA'},
          ${at}, ${i % 5 ? 'Application' : 'Remote Access 2.0'}, ${i % 4 ? 'Success' : 'Invalid Password'},
          ${i % 3 ? '10.0.0.1' : '203.0.113.7'}, ${i % 6 ? 'US' : null}, ${i % 6 ? 'US' : 'FR'})`;
    }
  });
  afterAll(async () => services?.close());

  describe('runs', () => {
    it('lists runs newest first with progress, counts, API calls, pauses and outcome', async () => {
      const res = await api<Page<CollectionRun>>('GET', `/v1/integrations/${integrationId}/runs`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((r) => r.id)).toEqual([...runIds].reverse());
      expect(res.body.data[0]).toMatchObject({
        kind: 'incremental',
        status: 'succeeded',
        apiCalls: 12,
        records: { User: 5, LoginHistory: 7 },
        totalRecords: 12,
        progress: { LoginHistory: { pages: 2, cursor: 'LoginTime 2026-05-01T00:00:00Z / 0Ya' } },
        pauses: [{ reason: 'quota', threshold: 75 }],
      });
      expect(res.body.data[1]).toMatchObject({ status: 'failed', error: 'Salesforce answered 500' });
    });

    it('paginates and filters runs', async () => {
      const page1 = await api<Page<CollectionRun>>('GET', `/v1/integrations/${integrationId}/runs?limit=2`);
      const page2 = await api<Page<CollectionRun>>(
        'GET',
        `/v1/integrations/${integrationId}/runs?limit=2&cursor=${page1.body.nextCursor}`,
      );
      expect([...page1.body.data, ...page2.body.data].map((r) => r.id)).toEqual([...runIds].reverse());
      expect(page2.body.nextCursor).toBeNull();
      const failed = await api<Page<CollectionRun>>(
        'GET',
        `/v1/integrations/${integrationId}/runs?status=failed`,
      );
      expect(failed.body.data).toHaveLength(1);
      expect((await api('GET', `/v1/integrations/${integrationId}/runs?status=exploded`)).status).toBe(400);
    });

    it("shows one run; unknown, malformed and other tenants' runs are 404", async () => {
      const res = await api<CollectionRun>('GET', `/v1/integrations/${integrationId}/runs/${runIds[0]}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: runIds[0], kind: 'initial', integrationId });
      const missing = await api<ErrorBody>(
        'GET',
        `/v1/integrations/${integrationId}/runs/7c0d0d8e-0a4e-4b8e-9d43-4b8f3f7f0e11`,
      );
      expect(missing.body.error).toMatchObject({
        code: 'not_found',
        message: 'No collection run with this id exists',
      });
      expect((await api('GET', `/v1/integrations/${integrationId}/runs/abc`)).status).toBe(404);
      expect((await other('GET', `/v1/integrations/${integrationId}/runs/${runIds[0]}`)).status).toBe(404);
      expect((await other('GET', `/v1/integrations/${integrationId}/runs`)).status).toBe(404);
    });
  });

  describe('users', () => {
    const usernames = (body: { data: Array<{ username: string }> }) => body.data.map((u) => u.username);

    it('lists users by username with the frozen flag from UserLogin', async () => {
      const res = await api<Page<SalesforceUser>>('GET', `/v1/integrations/${integrationId}/users`);
      expect(res.status).toBe(200);
      expect(usernames(res.body)).toEqual([
        'alice@acme.com',
        'bob@acme.com',
        'carol@acme.com',
        'dave@acme.com',
        'erin@acme.com',
      ]);
      expect(res.body.data[1]).toMatchObject({
        id: '005B00000000000AAA',
        isFrozen: true,
        isPasswordLocked: false,
      });
      expect(res.body.data[0]).toMatchObject({
        isFrozen: false,
        isPasswordLocked: true,
        profileName: 'System Administrator',
      });
    });

    it.each([
      ['active=false', ['carol@acme.com']],
      ['license=Salesforce', ['alice@acme.com', 'bob@acme.com', 'dave@acme.com']],
      ['profile=Standard%20User&active=true', ['bob@acme.com', 'dave@acme.com']],
      ['lastLoginBefore=2026-01-01T00:00:00Z', ['bob@acme.com']],
      ['lastLoginAfter=2026-04-01T00:00:00Z', ['alice@acme.com', 'dave@acme.com']],
      ['neverLoggedIn=true', ['carol@acme.com', 'erin@acme.com']],
      ['frozen=true', ['bob@acme.com']],
      ['frozen=false&license=Salesforce', ['alice@acme.com', 'dave@acme.com']],
    ])('filters users by %s', async (query, expected) => {
      const res = await api<Page<SalesforceUser>>('GET', `/v1/integrations/${integrationId}/users?${query}`);
      expect(res.status).toBe(200);
      expect(usernames(res.body)).toEqual(expected);
    });

    it('paginates users with an opaque cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Answer<Page<SalesforceUser>> = await api(
          'GET',
          `/v1/integrations/${integrationId}/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...usernames(res.body));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
    });

    it.each(['active=yes', 'lastLoginBefore=yesterday', 'limit=-1', 'frozen=1', 'cursor=%%%'])(
      'answers 400 for %s',
      async (query) => {
        const res = await api<ErrorBody>('GET', `/v1/integrations/${integrationId}/users?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
      },
    );

    it('refuses a cursor from another listing', async () => {
      const logins = await api<Page<LoginEvent>>('GET', `/v1/integrations/${integrationId}/logins?limit=1`);
      const res = await api(
        'GET',
        `/v1/integrations/${integrationId}/users?cursor=${logins.body.nextCursor}`,
      );
      expect(res.status).toBe(400);
    });

    it('is 404 for another tenant', async () => {
      expect((await other('GET', `/v1/integrations/${integrationId}/users`)).status).toBe(404);
    });

    // The tenant check travels inside the page query, so an empty page must still tell "no match" from "not yours".
    it('answers an empty page, not 404, when nothing of its own integration matches', async () => {
      const res = await api('GET', `/v1/integrations/${integrationId}/users?profile=No%20such%20profile`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], nextCursor: null });
      const foreign = await other(
        'GET',
        `/v1/integrations/${integrationId}/users?profile=No%20such%20profile`,
      );
      expect(foreign.status).toBe(404);
    });
  });

  describe('logins', () => {
    it('lists logins newest first with the username, and pages without gaps or repeats across equal times', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let first: { loginTime: string; username: string | null } | undefined;
      do {
        const res: Answer<Page<LoginEvent>> = await api(
          'GET',
          `/v1/integrations/${integrationId}/logins?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        first ??= res.body.data[0];
        seen.push(...res.body.data.map((l) => l.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      const expected = Array.from({ length: 30 }, (_, i) => `0Ya${String(i).padStart(3, '0')}`).reverse();
      expect(seen).toEqual(expected);
      expect(first).toMatchObject({ loginTime: '2026-05-01T00:09:00.000Z', username: 'alice@acme.com' });
    });

    it.each([
      ['userId=005A00000000000AAA', 15],
      ['username=bob%40acme.com', 15],
      ['status=Invalid%20Password', 8],
      ['loginType=Remote%20Access%202.0', 6],
      ['country=fr', 5],
      ['sourceIp=203.0.113.7', 10],
      ['from=2026-05-01T00:05:00Z', 15],
      ['from=2026-05-01T00:05:00Z&to=2026-05-01T00:06:00Z', 3],
      ['userId=005A00000000000AAA&status=Success&sourceIp=10.0.0.1', 10],
    ])('filters logins by %s', async (query, count) => {
      const res = await api<Page<LoginEvent>>(
        'GET',
        `/v1/integrations/${integrationId}/logins?limit=200&${query}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(count);
    });

    it.each(['country=FRA', 'from=tomorrow', 'userId=005%27%20or%201%3D1'])(
      'answers 400 for %s',
      async (query) => {
        expect((await api('GET', `/v1/integrations/${integrationId}/logins?${query}`)).status).toBe(400);
      },
    );

    it('is 404 for another tenant', async () => {
      expect((await other('GET', `/v1/integrations/${integrationId}/logins`)).status).toBe(404);
    });

    it('answers an empty page, not 404, when nothing of its own integration matches', async () => {
      const res = await api('GET', `/v1/integrations/${integrationId}/logins?sourceIp=192.0.2.254`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [], nextCursor: null });
      expect(
        (await other('GET', `/v1/integrations/${integrationId}/logins?sourceIp=192.0.2.254`)).status,
      ).toBe(404);
    });
  });
});
