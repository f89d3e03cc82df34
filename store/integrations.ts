import { randomUUID } from 'node:crypto';
import type { Queryable } from '../platform/database';
import type { SecretBox } from '../platform/secrets';
import type { IntegrationState, IntegrationStatus } from '../workflows/definitions';

/**
 * One row of `integrations` (migrations 00001, 00004, 00007), the only description of that table in
 * TypeScript: readers select the columns they need and type them as `Pick<IntegrationRow, …>`.
 */
export interface IntegrationRow {
  id: string;
  tenant_id: string;
  display_name: string;
  salesforce_url: string;
  consumer_key: string;
  /** AES-256-GCM sealed (platform/secrets.ts); decrypted only by activities/integration-repository.ts. */
  consumer_secret_ciphertext: Buffer;
  consumer_secret_key_id: string;
  /** Sealed with the row id as additional data (since 00007); older rows are re-sealed by `secrets rotate`. */
  consumer_secret_bound: boolean;
  consumer_secret_last4: string;
  credentials_version: number;
  /** Read through parseIntegrationOptions (platform/integration-options.ts), which fills today's defaults. */
  options: Record<string, unknown>;
  /** Written only by the workflow's recordIntegrationState, so it only ever holds IntegrationState values. */
  state: IntegrationState;
  enabled: boolean;
  org_id: string | null;
  edition: string | null;
  /** The last Test Connectivity result (activities/connectivity.ts), as the workflow contract shapes it. */
  last_test: StoredTestResult | null;
  created_at: Date;
  updated_at: Date;
  disconnected_at: Date | null;
  /** Logins up to here have been through a successful findings recompute (00004). */
  findings_through: Date | null;
  /** Set by DELETE …?purge=true (00010): the integration is gone for its tenant, its rows go in the background. */
  purge_requested_at: Date | null;
  /** The workflow's status answer, written by the workflow when it changes (00013, mirrorStatus). */
  status_mirror: IntegrationStatus | null;
  status_mirrored_at: Date | null;
  status_mirror_seq: number | null;
  /** Set by the reconciler when no workflow runs behind the mirror; cleared by the next status write (00014). */
  workflow_missing_since: Date | null;
}

export type StoredTestResult = { ok?: boolean; code?: string; message?: string; fix?: string } & Record<
  string,
  unknown
>;

/** Every column the API shows or filters on; the sealed secret and its key id are deliberately not among them. */
export const integrationColumnsWithoutSecret = [
  'id',
  'tenant_id',
  'display_name',
  'salesforce_url',
  'consumer_key',
  'consumer_secret_last4',
  'credentials_version',
  'options',
  'state',
  'enabled',
  'org_id',
  'edition',
  'last_test',
  'created_at',
  'updated_at',
  'disconnected_at',
] as const satisfies readonly (keyof IntegrationRow)[];

export type IntegrationWithoutSecret = Pick<IntegrationRow, (typeof integrationColumnsWithoutSecret)[number]>;

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

/**
 * Inserts the integration (id chosen here, so the secret can be bound to it) and returns the columns asked
 * for (the id by default).
 */
export async function insertIntegration<Column extends keyof IntegrationRow = 'id'>(
  sql: Queryable,
  secrets: SecretBox,
  integration: NewIntegration,
  columns: readonly Column[] = ['id' as Column],
): Promise<Pick<IntegrationRow, Column | 'id'>> {
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
  const [inserted] = await sql<Pick<IntegrationRow, Column | 'id'>[]>`
    insert into integrations ${sql(row)} returning ${sql(columns as readonly string[] as string[])}`;
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
