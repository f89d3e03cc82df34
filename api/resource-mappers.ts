import { parseIntegrationOptions } from '../platform/integration-options';
import type { CollectionRunResourceRow } from '../store/collection-runs';
import type { IntegrationWithoutSecret } from '../store/integrations';

/** Database rows → API resources. Nothing here reads the secret's ciphertext; only its last 4 characters. */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function maskSecret(last4: string): string {
  return `••••••••${last4}`;
}

export function toIntegration(row: IntegrationWithoutSecret) {
  return {
    id: row.id,
    displayName: row.display_name,
    salesforceUrl: row.salesforce_url,
    consumerKey: row.consumer_key,
    consumerSecretMasked: maskSecret(row.consumer_secret_last4),
    credentialsVersion: row.credentials_version,
    // Stored options are re-read through the schema so older rows show today's defaults for new options.
    options: parseIntegrationOptions(row.options),
    state: row.state,
    enabled: row.enabled,
    orgId: row.org_id,
    edition: row.edition,
    lastTest: row.last_test,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    disconnectedAt: iso(row.disconnected_at),
  };
}

export function toRun(row: CollectionRunResourceRow) {
  const progress = Object.fromEntries(
    Object.entries(row.progress ?? {}).map(([object, p]) => [
      object,
      {
        pages: p.pages ?? 0,
        records: p.records ?? 0,
        cursor: p.cursor ?? null,
        startedAt: p.startedAt ?? null,
        finishedAt: p.finishedAt ?? null,
      },
    ]),
  );
  const records = Object.fromEntries(Object.entries(progress).map(([object, p]) => [object, p.records]));
  return {
    id: row.id,
    integrationId: row.integration_id,
    kind: row.kind,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: iso(row.finished_at),
    apiCalls: row.api_calls,
    progress,
    records,
    totalRecords: Object.values(records).reduce((sum, n) => sum + n, 0),
    pauses: Array.isArray(row.pauses) ? row.pauses : [],
    error: row.error,
  };
}
