import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/database';
import { createSecretBox, type SecretBox } from '../../platform/secrets';
import type { CollectionRunRow } from '../../store/collection-runs';
import { insertIntegration } from '../../store/integrations';

/**
 * Rows for tests, benches and the evaluation, written through the product's own store modules
 * (store/integrations.ts), so a schema change touches one place and every secret is sealed as the API seals it.
 */

/** A fresh secrets key, as the worker and the API load it from SECRETS_KEY / SECRETS_KEY_ID. */
export function testSecrets(keyId = 'test'): { box: SecretBox; key: string; keyId: string } {
  const key = randomBytes(32).toString('base64');
  return { box: createSecretBox({ id: keyId, key }), key, keyId };
}

/** A tenant of its own (a unique name), so one test's rows never meet another's. */
export async function createTestTenant(
  sql: Queryable,
  label = 'tenant',
): Promise<{ id: string; name: string }> {
  const name = `${label}-${randomUUID()}`;
  const [tenant] = await sql<{ id: string }[]>`insert into tenants (name) values (${name}) returning id`;
  return { id: tenant!.id, name };
}

export interface TestOrg {
  salesforceUrl: string;
  consumerKey: string;
  consumerSecret: string;
}

/** For rows nothing ever connects with: the URL is never called and the secret never decrypted. */
const unreachableOrg: TestOrg = {
  salesforceUrl: 'https://test.my.salesforce.com',
  consumerKey: 'test-consumer-key',
  consumerSecret: 'test-consumer-secret',
};

/**
 * An integration written the way the API writes it (secret sealed with `secrets`), in a new tenant unless
 * `tenantId` is given. Without `org` and `secrets` it is a row for reads only (listings, reports, collected
 * data seeded directly): nothing can connect with it.
 */
export async function createTestIntegration(
  sql: Queryable,
  fields: {
    secrets?: SecretBox;
    org?: TestOrg;
    options?: Record<string, unknown>;
    tenantId?: string;
    displayName?: string;
  } = {},
): Promise<{ tenantId: string; integrationId: string }> {
  const tenantId = fields.tenantId ?? (await createTestTenant(sql)).id;
  const integration = await insertIntegration(sql, fields.secrets ?? testSecrets().box, {
    tenantId,
    displayName: fields.displayName ?? 'Test org',
    ...(fields.org ?? unreachableOrg),
    options: fields.options ?? {},
  });
  return { tenantId, integrationId: integration.id };
}

type RunFields = Partial<Omit<CollectionRunRow, 'id' | 'integration_id'>>;

/** A collection run row; by default a running initial Collect Now run, as startCollectionRun writes it. */
export async function createTestRun(
  sql: Queryable,
  integrationId: string,
  fields: RunFields = {},
): Promise<string> {
  const { progress, pauses, ...columns } = fields;
  const row = {
    integration_id: integrationId,
    kind: 'initial',
    trigger: 'collect_now',
    status: 'running',
    workflow_id: `integration-${integrationId}`,
    ...columns,
    progress: sql.json((progress ?? {}) as never),
    pauses: sql.json((pauses ?? []) as never),
  };
  const [run] = await sql<{ id: string }[]>`insert into collection_runs ${sql(row)} returning id`;
  return run!.id;
}
