import { describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { collectedObjects } from '../../workflows/definitions';
import {
  captureLogger,
  finishRun,
  insertIntegration,
  insertRun,
  useSimulatorFixture,
} from '../salesforce/support';
import {
  collect,
  collectAll,
  collectInNewRun,
  finishedRun,
  fingerprint,
  fixtureDeps,
  initialRun,
  tables,
} from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 20_000, simulatorClock: true });

function deps(logger?: ReturnType<typeof captureLogger>['logger']) {
  return fixtureDeps(fixture, logger);
}

describe('collectObject', () => {
  it('collects every object completely, in ceil(rows/pageSize) calls per object plus one /limits', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 1200, logins: 6000 });
    const pageSize = 500;
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize,
      loginHistoryDays: 366,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    const { logger, lines } = captureLogger();
    fixture.sim.simulator.control.resetCounters(org.key);

    const results = await collectAll(deps(logger), integrationId, runId, 'initial');

    const expected = fixture.sim.simulator.control.objectCounts(org.key);
    let idealCalls = 1; // the first quota check reads /limits; later ones reuse Sforce-Limit-Info
    for (const object of collectedObjects) {
      const count = expected[object]!;
      const { count: stored } = await fingerprint(fixture.services.sql, object, integrationId);
      expect(stored, object).toBe(count);
      expect(results[object]).toMatchObject({ outcome: 'completed', records: count });
      idealCalls += Math.max(1, Math.ceil(count / pageSize));
    }
    const counters = fixture.sim.simulator.control.counters(org.key);
    expect(counters.apiCallsCounted).toBe(idealCalls);
    expect(counters.tokenRequests).toBe(1);
    const [run] = await fixture.services.sql<
      { api_calls: number; progress: Record<string, { finishedAt: string | null; records: number }> }[]
    >`
      select api_calls, progress from collection_runs where id = ${runId}`;
    expect(run!.api_calls).toBe(idealCalls);
    expect(run!.progress.LoginHistory).toMatchObject({ records: expected.LoginHistory });
    expect(run!.progress.LoginHistory!.finishedAt).not.toBeNull();

    // Typed mapping through relationships.
    const [user] = await fixture.services.sql<
      { profile_name: string | null; user_license_name: string | null; system_modstamp: Date }[]
    >`
      select profile_name, user_license_name, system_modstamp from sf_users
      where integration_id = ${integrationId} and user_license_name is not null limit 1`;
    expect(user!.profile_name).toBeTruthy();
    expect(user!.system_modstamp).toBeInstanceOf(Date);
    const [geo] = await fixture.services.sql<{ count: number }[]>`
      select count(*)::int as count from sf_login_history
      where integration_id = ${integrationId} and geo_city is not null and geo_latitude is not null`;
    expect(geo!.count).toBeGreaterThan(0);

    // Watermarks for incremental objects, no position left behind.
    const cursors = await fixture.services.sql<
      { object: string; watermark_at: Date | null; position: unknown }[]
    >`
      select object, watermark_at, position from collection_cursors where integration_id = ${integrationId}`;
    expect(cursors).toHaveLength(collectedObjects.length);
    for (const cursor of cursors) {
      expect(cursor.position).toBeNull();
      if (cursor.object === 'User' || cursor.object === 'LoginHistory')
        expect(cursor.watermark_at).toBeInstanceOf(Date);
    }

    // A retried activity after completion does nothing.
    const again = await collect(deps(), { integrationId, runId, object: 'LoginHistory', kind: 'initial' });
    expect(again).toMatchObject({ outcome: 'completed', apiCalls: 0 });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(idealCalls);

    const log = lines.join('\n');
    expect(log).not.toContain(org.consumerSecret);
    expect(log).not.toMatch(/00D\w{12,15}!/);
  });

  it('resumes after an interruption mid-pagination with exactly the rows of a clean run', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 50, logins: 3000 });
    const options = { pageSize: 200, loginHistoryDays: 366 };
    const clean = await insertIntegration(fixture.services.sql, fixture.secrets, org, options);
    const cleanRun = await insertRun(fixture.services.sql, clean, 'initial');
    await collect(deps(), { integrationId: clean, runId: cleanRun, object: 'LoginHistory', kind: 'initial' });

    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, options);
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    const input = { integrationId, runId, object: 'LoginHistory' as const, kind: 'initial' as const };
    const beats: unknown[] = [];
    const interrupted = await collect(deps(), input, {
      onHeartbeat: (details, env) => {
        beats.push(details);
        if (beats.length === 4) env.cancel();
      },
    }).catch((e: unknown) => e);
    expect(interrupted).toBeInstanceOf(CancelledFailure);
    expect(beats.at(-1)).toMatchObject({ pages: 4, records: 800 });
    expect(Object.keys(beats.at(-1) as object).sort()).toEqual(['lastAt', 'lastId', 'pages', 'records']);
    const [saved] = await fixture.services.sql<
      { position: { pages: number; nextRecordsUrl: string | null } }[]
    >`
      select position from collection_cursors where integration_id = ${integrationId} and object = 'LoginHistory'`;
    expect(saved!.position).toMatchObject({ pages: 4 });
    expect(saved!.position.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\//);

    const before = fixture.sim.simulator.control.counters(org.key).apiCallsCounted;
    const resumed = await collect(deps(), input, { heartbeatDetails: beats.at(-1) });
    expect(resumed).toMatchObject({ outcome: 'completed', records: 3000, pages: 15 });
    // The saved locator is reused: only the 11 remaining pages are fetched.
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted - before).toBe(11);

    expect(await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).toEqual(
      await fingerprint(fixture.services.sql, 'LoginHistory', clean),
    );
  });

  it('falls back to the last heartbeat when the database has no position', async () => {
    const { org, integrationId, input } = await initialRun(
      fixture,
      { users: 30, logins: 1000 },
      { pageSize: 200, loginHistoryDays: 366 },
    );
    let last: unknown;
    await collect(deps(), input, {
      onHeartbeat: (d, env) => {
        last = d;
        if ((d as { pages: number }).pages === 2) env.cancel();
      },
    }).catch(() => undefined);
    await fixture.services.sql`delete from collection_cursors where integration_id = ${integrationId}`;
    const before = fixture.sim.simulator.control.counters(org.key).apiCallsCounted;
    const result = await collect(deps(), input, { heartbeatDetails: last });
    expect(result).toMatchObject({ outcome: 'completed', records: 1000, pages: 5 });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted - before).toBe(3);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(1000);
  });

  it('re-queries from the (LoginTime, Id) keyset when the locator expired', async () => {
    const { org, integrationId, input } = await initialRun(
      fixture,
      { users: 30, logins: 2000, locatorTtlMinutes: 1 },
      { pageSize: 200, loginHistoryDays: 366 },
    );
    await collect(deps(), input, { onHeartbeat: (_d, env) => env.cancel() }).catch(() => undefined);
    fixture.sim.simulator.control.advanceClock(5 * 60_000);

    const result = await collect(deps(), input);
    expect(result).toMatchObject({ outcome: 'completed', records: 2000 });
    expect(fixture.sim.simulator.control.counters(org.key).errors.INVALID_QUERY_LOCATOR).toBe(1);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(2000);
  });

  it('restarts a full re-read when its locator expired, so deletions never rely on Id ordering', async () => {
    const { integrationId, input } = await initialRun(
      fixture,
      { users: 400, logins: 10, locatorTtlMinutes: 1 },
      { pageSize: 200 },
      'UserLogin',
    );
    await collect(deps(), input, { onHeartbeat: (_d, env) => env.cancel() }).catch(() => undefined);
    fixture.sim.simulator.control.advanceClock(5 * 60_000);
    const result = await collect(deps(), input);
    expect(result).toMatchObject({ outcome: 'completed', records: 400 });
    expect((await fingerprint(fixture.services.sql, 'UserLogin', integrationId)).count).toBe(400);
  });

  it('incremental run fetches only new logins, including thousands sharing one LoginTime', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 30, logins: 1500, locatorTtlMinutes: 1 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      loginHistoryDays: 366,
      incrementalOverlapMinutes: 0,
    });
    await finishedRun(deps(), integrationId, 'LoginHistory', 'initial');

    fixture.sim.simulator.control.advanceClock(60_000);
    const appended = fixture.sim.simulator.control.appendLogins(org.key, {
      count: 1100,
      sameLoginTime: true,
    });
    expect(appended.firstLoginTime).toBe(appended.lastLoginTime);
    const second = await insertRun(fixture.services.sql, integrationId, 'incremental');
    const input = {
      integrationId,
      runId: second,
      object: 'LoginHistory' as const,
      kind: 'incremental' as const,
    };
    // Interrupt and let the locator expire so the pass continues via (LoginTime = t AND Id > last).
    await collect(deps(), input, {
      onHeartbeat: (d, env) => (d as { pages: number }).pages === 2 && env.cancel(),
    }).catch(() => undefined);
    fixture.sim.simulator.control.advanceClock(5 * 60_000);
    const result = await collect(deps(), input);
    expect(result).toMatchObject({ outcome: 'completed', records: 1100, pages: 6 });
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(2600);
    const [cursor] = await fixture.services.sql<{ watermark_at: Date; watermark_id: string }[]>`
      select watermark_at, watermark_id from collection_cursors where integration_id = ${integrationId} and object = 'LoginHistory'`;
    expect(cursor!.watermark_at.toISOString()).toBe(appended.lastLoginTime);
    expect(cursor!.watermark_id).toBe(appended.lastId);

    // With an overlap, the rows within it are re-read (idempotently) and nothing else.
    await fixture.services
      .sql`update integrations set options = options || '{"incrementalOverlapMinutes": 15}' where id = ${integrationId}`;
    await finishRun(fixture.services.sql, second);
    const third = await insertRun(fixture.services.sql, integrationId, 'incremental');
    const [inOverlap] = await fixture.services.sql<{ count: number }[]>`
      select count(*)::int as count from sf_login_history
      where integration_id = ${integrationId} and login_time >= ${new Date(cursor!.watermark_at.getTime() - 15 * 60_000)}`;
    const overlap = await collect(deps(), {
      integrationId,
      runId: third,
      object: 'LoginHistory',
      kind: 'incremental',
    });
    expect(overlap).toMatchObject({ outcome: 'completed', records: inOverlap!.count });
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(2600);
  });

  it('incremental User pass reads only users whose SystemModstamp moved', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 300, logins: 10 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      incrementalOverlapMinutes: 0,
    });
    await finishedRun(deps(), integrationId, 'User', 'initial');
    fixture.sim.simulator.control.advanceClock(60_000);
    const touched = fixture.sim.simulator.control.touchUsers(org.key, { count: 7 });
    const { result } = await collectInNewRun(deps(), integrationId, 'User', 'incremental');
    // Exactly the 7 touched users: with no overlap the pass continues strictly after the (SystemModstamp, Id)
    // watermark, so neither the watermark row nor any untouched user comes back.
    expect(result).toMatchObject({ outcome: 'completed', records: 7 });
    const rows = await fixture.services.sql<{ id: string }[]>`
      select id from sf_users where integration_id = ${integrationId} and system_modstamp = ${new Date(touched.systemModstamp)}`;
    expect(rows.map((r) => r.id).sort()).toEqual([...touched.userIds].sort());
    expect((await fingerprint(fixture.services.sql, 'User', integrationId)).count).toBe(300);
  });

  it('a completed full pass removes rows Salesforce no longer returns', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 40, logins: 10 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org);
    const first = await finishedRun(deps(), integrationId, 'PermissionSetAssignment', 'initial');
    // An assignment revoked in Salesforce since: it is in our table but will not be returned again.
    await fixture.services.sql`
      insert into sf_permission_set_assignments (integration_id, id, assignee_id, permission_set_id, last_seen_run_id)
      values (${integrationId}, '0PaREVOKED0000AAAA', '005000000000000AAA', '0PS000000000000AAA', ${first})`;
    await collectInNewRun(deps(), integrationId, 'PermissionSetAssignment', 'incremental');
    const { count } = await fingerprint(fixture.services.sql, 'PermissionSetAssignment', integrationId);
    expect(count).toBe(fixture.sim.simulator.control.objectCounts(org.key).PermissionSetAssignment);
    const gone = await fixture.services
      .sql`select 1 from ${fixture.services.sql(tables.PermissionSetAssignment)} where id = '0PaREVOKED0000AAAA'`;
    expect(gone).toHaveLength(0);
  });
});
