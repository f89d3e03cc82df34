import { consumerSecretAssignment } from '../../store/integrations';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Sql } from '../../platform/database';
import type { SecretBox } from '../../platform/secrets';
import type { OrgSpec, RunningSimulator } from '../../simulator';
import { createTestIntegration } from './factories';
import { integrationWorkflowId, statusQuery, type IntegrationStatus } from '../../workflows/definitions';
import {
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from '../../workflows/search-attributes';

/** A credential rotation as the API's PATCH does it: the secret sealed again, the version bumped. */
export async function rotateCredentials(
  sql: Sql,
  secrets: SecretBox,
  integrationId: string,
  consumerSecret: string,
): Promise<void> {
  await sql`
    update integrations set ${consumerSecretAssignment(sql, secrets, integrationId, consumerSecret)},
      credentials_version = credentials_version + 1
    where id = ${integrationId}`;
}

/** A simulated org and an integration row for it (secret sealed with `secrets`); its workflow is not started. */
export async function simulatedOrgIntegration(
  sql: Sql,
  simulator: RunningSimulator,
  secrets: SecretBox,
  orgSpec: OrgSpec,
  options: Record<string, unknown>,
) {
  const org = simulator.simulator.control.createOrg(orgSpec);
  const ids = await createTestIntegration(sql, { secrets, org, options });
  return { org, ids };
}

export async function startIntegrationWorkflow(
  client: Client,
  ids: { tenantId: string; integrationId: string },
  taskQueue: string,
): Promise<WorkflowHandle> {
  return client.workflow.start('integrationWorkflow', {
    workflowId: integrationWorkflowId(ids.integrationId),
    taskQueue,
    args: [{ integrationId: ids.integrationId }],
    typedSearchAttributes: [
      { key: IntegrationIdAttribute, value: ids.integrationId },
      { key: TenantIdAttribute, value: ids.tenantId },
      { key: IntegrationStateAttribute, value: 'awaiting_test' },
    ],
  });
}

/** Polls the workflow's status query until `predicate` holds (queries are cheap and leave no history). */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (status: IntegrationStatus) => boolean,
  timeoutMs = 60_000,
): Promise<IntegrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: IntegrationStatus | undefined;
  for (;;) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // the workflow may be between continue-as-new executions
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for status; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Row counts and an order-independent fingerprint of every collected table for one integration. */
export async function collectedFingerprint(sql: Sql, integrationId: string) {
  const tables = [
    'sf_users',
    'sf_user_logins',
    'sf_user_licenses',
    'sf_permission_sets',
    'sf_permission_set_assignments',
    'sf_login_history',
  ] as const;
  const result: Record<string, { rows: number; checksum: string }> = {};
  for (const table of tables) {
    const [row] = await sql<{ rows: number; checksum: string }[]>`
      select count(*)::int as rows, coalesce(md5(string_agg(id, ',' order by id)), '') as checksum
      from ${sql(table)} where integration_id = ${integrationId}`;
    result[table] = row!;
  }
  return result;
}

/** Waits for the initial collection to finish and checks every LoginHistory row arrived, then disconnects. */
export async function expectInitialCollectionComplete(
  handle: WorkflowHandle,
  sql: Sql,
  integrationId: string,
  expectedLogins: number | undefined,
  timeoutMs = 90_000,
): Promise<IntegrationStatus> {
  const done = await waitForStatus(handle, (s) => s.state === 'idle' && s.initialCollectionDone, timeoutMs);
  if (done.lastRun?.status !== 'succeeded')
    throw new Error(`run did not succeed: ${JSON.stringify(done.lastRun)}`);
  const fingerprint = await collectedFingerprint(sql, integrationId);
  if (fingerprint.sf_login_history!.rows !== expectedLogins) {
    throw new Error(
      `expected ${expectedLogins} LoginHistory rows, collected ${fingerprint.sf_login_history!.rows}`,
    );
  }
  return done;
}

/**
 * An IANA zone where it is about noon right now, so "the start of the next day" is ~12 hours away whatever
 * time the test runs (a test near midnight UTC would otherwise see its quota timer fire mid-test).
 */
export function timeZoneAtNoon(now = new Date()): { timezone: string; offsetHours: number } {
  let offsetHours = 12 - now.getUTCHours();
  if (offsetHours > 14) offsetHours -= 24;
  if (offsetHours < -12) offsetHours += 24;
  // POSIX-style Etc zones invert the sign: Etc/GMT-5 is UTC+5.
  const timezone =
    offsetHours === 0 ? 'Etc/GMT' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
  return { timezone, offsetHours };
}

/** A daily run hour 12 hours away, so no scheduled run fires while a test runs. */
export function runHourFarFromNow(now = new Date()): number {
  return (now.getUTCHours() + 12) % 24;
}
