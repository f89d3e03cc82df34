import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { objectSpecs } from '../../activities/collection/objects';
import type { Sql } from '../../platform/database';
import { collectedObjects, type CollectedObject } from '../../workflows/definitions';
import type { FindingKind } from '../../insights/finding-kinds';
import {
  clientCredentialsRequest,
  LATEST_VERSION,
  type CreatedOrg,
  type ScenarioKind,
  type Simulator,
} from '../../simulator';

const tokenSchema = z.object({ access_token: z.string(), instance_url: z.string() });
const pageSchema = z.object({
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.unknown()),
});

/**
 * Test support: copies a simulated org into the sf_* tables through the simulator's REST surface (client
 * credentials token, SOQL query + nextRecordsUrl paging), mapping and writing rows with the collection's own
 * object specs so the tables look exactly as a collection run leaves them. `loginsFrom` limits LoginHistory
 * to LoginTime >= that instant (an incremental run); users and permissions are always re-read in full.
 */
export async function loadOrgThroughRest(
  sql: Sql,
  simulator: Simulator,
  org: CreatedOrg,
  integrationId: string,
  { loginsFrom }: { loginsFrom?: Date } = {},
): Promise<Record<CollectedObject, number>> {
  const call = async (path: string, init?: RequestInit) => {
    const response = await simulator.app.request(path, init);
    if (!response.ok)
      throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<unknown>;
  };
  const tokenRequest = clientCredentialsRequest(org);
  const token = tokenSchema.parse(await call(tokenRequest.url, tokenRequest.init));
  const headers = { authorization: `Bearer ${token.access_token}`, 'sforce-query-options': 'batchSize=2000' };
  const base = new URL(token.instance_url).pathname.replace(/\/$/, '') || org.salesforceUrl;
  const runId = randomUUID();
  const counts = {} as Record<CollectedObject, number>;

  for (const object of collectedObjects) {
    const spec = objectSpecs[object];
    const where =
      object === 'LoginHistory' && loginsFrom
        ? `LoginTime >= ${loginsFrom.toISOString().replace('.000', '')}`
        : null;
    let path: string | undefined =
      `${base}/services/data/v${LATEST_VERSION}.0/query?q=${encodeURIComponent(spec.soql(where))}`;
    counts[object] = 0;
    while (path) {
      const page = pageSchema.parse(await call(path, { headers }));
      const rows = page.records.map((record) => spec.parse(record));
      if (rows.length > 0) await spec.upsert(sql, integrationId, runId, rows);
      counts[object] += rows.length;
      path = page.done ? undefined : `${base}${page.nextRecordsUrl!.replace(/^.*(?=\/services\/)/, '')}`;
    }
  }
  return counts;
}

/** The finding each scenario the simulator plants must produce (the ground truth of the detection checks). */
export const scenarioFinding: Record<ScenarioKind, FindingKind> = {
  bruteForce: 'brute_force',
  passwordSpray: 'password_spray',
  impossibleTravel: 'impossible_travel',
  dormantReactivation: 'dormant_account_reactivated',
  inactiveUserAttempt: 'inactive_user_attempts',
  frozenUserAttempt: 'inactive_user_attempts',
  apiOnlyUiLogin: 'api_only_user_interactive_login',
  newCountry: 'new_country',
  privilegedUnused: 'privileged_user_unused',
};
