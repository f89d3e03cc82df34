import { randomUUID } from 'node:crypto';
import { createCollectionActivities, type CollectObjectResult } from '../../activities/collection';
import type { ActivityDependencies } from '../../activities/dependencies';
import type { Sql } from '../../platform/database';
import type { Logger } from '../../platform/logger';
import { collectedObjects, type CollectedObject, type RunKind } from '../../workflows/definitions';
import {
  finishRun,
  insertIntegration,
  insertRun,
  makeDeps,
  runActivity,
  type SimulatorFixture,
} from '../salesforce/support';

export const tables: Record<CollectedObject, string> = {
  User: 'sf_users',
  UserLogin: 'sf_user_logins',
  UserLicense: 'sf_user_licenses',
  PermissionSet: 'sf_permission_sets',
  PermissionSetAssignment: 'sf_permission_set_assignments',
  LoginHistory: 'sf_login_history',
};

/** Row count and an order-independent checksum of the ids collected for one integration. */
export async function fingerprint(sql: Sql, object: CollectedObject, integrationId: string) {
  const [row] = await sql<{ count: number; digest: string | null }[]>`
    select count(*)::int as count, md5(string_agg(id, ',' order by id)) as digest
    from ${sql(tables[object])} where integration_id = ${integrationId}`;
  return row!;
}

export function collect(
  deps: ActivityDependencies,
  input: { integrationId: string; runId: string; object: CollectedObject; kind: RunKind },
  options: Parameters<typeof runActivity>[2] = {},
): Promise<CollectObjectResult> {
  const { collectObject } = createCollectionActivities(deps);
  return runActivity(collectObject, [input], options);
}

export async function collectAll(
  deps: ActivityDependencies,
  integrationId: string,
  runId: string,
  kind: RunKind,
) {
  const results: Partial<Record<CollectedObject, CollectObjectResult>> = {};
  for (const object of collectedObjects)
    results[object] = await collect(deps, { integrationId, runId, object, kind });
  return results;
}

export const uniqueName = () => randomUUID().slice(0, 8);

/** Activity dependencies on a simulator fixture, on the simulator's clock (tests move it). */
export function fixtureDeps(fixture: SimulatorFixture, logger?: Logger) {
  return makeDeps({
    sql: fixture.services.sql,
    temporal: fixture.services.temporal,
    secrets: fixture.secrets,
    salesforce: fixture.salesforce,
    now: () => fixture.sim.simulator.control.now(),
    ...(logger ? { logger } : {}),
  });
}

/**
 * What most collection tests start from: a simulator org, an integration reading it (with `options`) and an
 * initial run, with the collectObject input for `object`.
 */
export async function initialRun(
  fixture: SimulatorFixture,
  orgSpec: Parameters<SimulatorFixture['sim']['simulator']['control']['createOrg']>[0],
  options: Record<string, unknown>,
  object: CollectedObject = 'LoginHistory',
) {
  const org = fixture.sim.simulator.control.createOrg(orgSpec);
  const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, options);
  const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
  return { org, integrationId, runId, input: { integrationId, runId, object, kind: 'initial' as const } };
}

/** A new run of `kind` (its row) that collects `object` once: the run's id and the pass's result. */
export async function collectInNewRun(
  deps: ActivityDependencies,
  integrationId: string,
  object: CollectedObject,
  kind: RunKind,
) {
  const runId = await insertRun(deps.sql, integrationId, kind);
  return { runId, result: await collect(deps, { integrationId, runId, object, kind }) };
}

/** collectInNewRun, then the run ends (succeeded), as a run before the one a test looks at. */
export async function finishedRun(
  deps: ActivityDependencies,
  integrationId: string,
  object: CollectedObject,
  kind: RunKind,
): Promise<string> {
  const { runId } = await collectInNewRun(deps, integrationId, object, kind);
  await finishRun(deps.sql, runId);
  return runId;
}
