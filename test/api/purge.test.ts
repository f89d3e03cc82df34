import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createPurgeActivities, tablesWithIntegrationRows } from '../../activities/purge';
import { createScheduleActivities } from '../../activities/schedules';
import { createLogger } from '../../platform/logger';
import type { Sql } from '../../platform/database';
import { purgeWorkflowId } from '../../workflows/definitions';
import { connectTestServices } from '../support/context';
import { createTestIntegration } from '../support/factories';
import { runActivity } from '../salesforce/support';

/** Every row of `integrationId` in every table that has an integration_id column, by table. */
async function rowsOf(sql: Sql, integrationId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tablesWithIntegrationRows(sql)) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from ${sql(table)} where integration_id = ${integrationId}`;
    if (row!.n > 0) counts[table] = row!.n;
  }
  return counts;
}

/** An integration with collected users and 30 logins, like a (very) small org. */
async function collectedIntegration(sql: Sql, name: string) {
  const ids = await createTestIntegration(sql, {
    org: {
      salesforceUrl: `https://${name}.my.salesforce.com`,
      consumerKey: 'consumer-key-purge',
      consumerSecret: 'consumer-secret-purge',
    },
  });
  const { integrationId } = ids;
  await sql`
    insert into sf_users (integration_id, id, username, is_active, system_modstamp)
    values (${integrationId}, '005A00000000000AAA', 'a@example.com', true, now()),
           (${integrationId}, '005B00000000000AAA', 'b@example.com', true, now())`;
  for (let i = 0; i < 30; i++) {
    await sql`
      insert into sf_login_history (integration_id, id, user_id, login_time, login_type, status, source_ip)
      values (${integrationId}, ${`0Ya${String(i).padStart(3, '0')}`}, '005A00000000000AAA',
        ${new Date(Date.UTC(2026, 4, 1, 0, i))}, 'Application', 'Success', '203.0.113.7')`;
  }
  return ids;
}

describe('purge in the worker', () => {
  let services: Awaited<ReturnType<typeof connectTestServices>>;
  const logger = createLogger('error');
  beforeAll(async () => {
    services = await connectTestServices();
  });
  afterAll(async () => services?.close());

  it('deletes every collected row in batches, heartbeating each, then the integration', async () => {
    const { sql } = services;
    const { integrationId } = await collectedIntegration(sql, 'purge-batches');
    const other = await collectedIntegration(sql, 'purge-bystander');
    await sql`update integrations set purge_requested_at = now() where id = ${integrationId}`;
    const heartbeats: unknown[] = [];
    const { purgeIntegrationData } = createPurgeActivities({ sql, logger }, { batchRows: 7 });
    const result = await runActivity(purgeIntegrationData, [{ integrationId }], {
      onHeartbeat: (details) => heartbeats.push(details),
    });
    expect(result.deletedRows).toBe(32);
    expect(await rowsOf(sql, integrationId)).toEqual({});
    expect(await sql`select 1 from integrations where id = ${integrationId}`).toHaveLength(0);
    // 30 logins in batches of 7 are 5 statements on that table alone.
    expect(heartbeats.filter((d) => (d as { table: string }).table === 'sf_login_history').length).toBe(5);
    // Another integration's rows are untouched.
    expect(await rowsOf(sql, other.integrationId)).toMatchObject({ sf_users: 2, sf_login_history: 30 });
    // Idempotent: a retry after the purge finished finds nothing to do.
    expect(await runActivity(purgeIntegrationData, [{ integrationId }])).toEqual({ deletedRows: 0 });
  });

  it('refuses an integration that is not marked for purge, deleting nothing', async () => {
    const { sql } = services;
    const { integrationId } = await collectedIntegration(sql, 'purge-unmarked');
    const { purgeIntegrationData } = createPurgeActivities({ sql, logger });
    const error = await runActivity(purgeIntegrationData, [{ integrationId }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('PurgeNotRequested');
    expect(await rowsOf(sql, integrationId)).toMatchObject({ sf_users: 2, sf_login_history: 30 });
  });

  it('the reconciler starts a purge that was marked but never started', async () => {
    const { sql, temporal } = services;
    const { tenantId, integrationId } = await collectedIntegration(sql, 'purge-reconciled');
    await sql`update integrations set enabled = false, purge_requested_at = now() where id = ${integrationId}`;
    const { reconcileIntegrations } = createScheduleActivities({
      sql,
      temporal,
      logger,
      taskQueue: `purge-${integrationId}`,
      now: () => new Date(),
    });
    const result = await reconcileIntegrations({ tenantId });
    expect(result).toMatchObject({ purgesPending: 1, restarted: 0 });
    const handle = temporal.workflow.getHandle(purgeWorkflowId(integrationId));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // Asked again while it runs, the reconciler joins it instead of starting a second one.
    const runId = (await handle.describe()).runId;
    await reconcileIntegrations({ tenantId });
    expect((await temporal.workflow.getHandle(purgeWorkflowId(integrationId)).describe()).runId).toBe(runId);
    await handle.terminate('test over');
  });
});
