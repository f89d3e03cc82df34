import { randomUUID } from 'node:crypto';
import type { Queryable } from './database';
import type { SecretBox } from './secrets';

/**
 * The one way an integration row and its consumer secret are written: the API, tests and benches all go
 * through here, so the secret is always encrypted, bound to its row (platform/secrets.ts) and masked the same.
 */
export interface NewIntegration {
  tenantId: string;
  displayName: string;
  salesforceUrl: string;
  consumerKey: string;
  consumerSecret: string;
  options?: Record<string, unknown>;
}

/**
 * The characters of a secret shown back as a hint. Salesforce consumer secrets are 64 characters, so four of
 * them reveal little; a short secret shows none rather than half of itself.
 */
export function secretHint(secret: string): string {
  return secret.length >= 32 ? secret.slice(-4) : '';
}

function sealedColumns(secrets: SecretBox, integrationId: string, consumerSecret: string) {
  const sealed = secrets.encrypt(consumerSecret, integrationId);
  return {
    consumer_secret_ciphertext: sealed.ciphertext,
    consumer_secret_key_id: sealed.keyId,
    consumer_secret_bound: true,
    consumer_secret_last4: secretHint(consumerSecret),
  };
}

/** Inserts the integration (id chosen here, so the secret can be bound to it) and returns its id. */
export async function insertIntegration(
  sql: Queryable,
  secrets: SecretBox,
  integration: NewIntegration,
  columns: readonly string[] = ['id'],
): Promise<Record<string, unknown> & { id: string }> {
  const id = randomUUID();
  const row = {
    id,
    tenant_id: integration.tenantId,
    display_name: integration.displayName,
    salesforce_url: integration.salesforceUrl,
    consumer_key: integration.consumerKey,
    ...sealedColumns(secrets, id, integration.consumerSecret),
    options: sql.json((integration.options ?? {}) as never),
  };
  const [inserted] = await sql<(Record<string, unknown> & { id: string })[]>`
    insert into integrations ${sql(row)} returning ${sql(columns as string[])}`;
  return inserted!;
}

/** The SET fragment that replaces an integration's consumer secret (used inside a larger UPDATE). */
export function consumerSecretAssignment(
  sql: Queryable,
  secrets: SecretBox,
  integrationId: string,
  consumerSecret: string,
) {
  const c = sealedColumns(secrets, integrationId, consumerSecret);
  return sql`consumer_secret_ciphertext = ${c.consumer_secret_ciphertext},
    consumer_secret_key_id = ${c.consumer_secret_key_id}, consumer_secret_bound = true,
    consumer_secret_last4 = ${c.consumer_secret_last4}`;
}
