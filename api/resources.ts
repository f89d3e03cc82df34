import { parseIntegrationOptions } from '../platform/integration-options';
import type { IntegrationState, RunStatus } from '../workflows/definitions';
import type { IntegrationRow } from './tenancy';

/** Database rows → API resources. Nothing here reads the secret's ciphertext; only its last 4 characters. */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function maskSecret(last4: string): string {
  return `••••••••${last4}`;
}

export function toIntegration(row: IntegrationRow) {
  return {
    id: row.id,
    displayName: row.display_name,
    salesforceUrl: row.salesforce_url,
    consumerKey: row.consumer_key,
    consumerSecretMasked: maskSecret(row.consumer_secret_last4),
    credentialsVersion: row.credentials_version,
    // Stored options are re-read through the schema so older rows show today's defaults for new options.
    options: parseIntegrationOptions(row.options),
    // The workflow writes this column; it only ever holds IntegrationState values.
    state: row.state as IntegrationState,
    enabled: row.enabled,
    orgId: row.org_id,
    edition: row.edition,
    lastTest: row.last_test,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    disconnectedAt: iso(row.disconnected_at),
  };
}

export interface RunRow {
  id: string;
  integration_id: string;
  kind: 'initial' | 'incremental';
  trigger: 'collect_now' | 'schedule';
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  api_calls: number;
  progress: Record<string, ObjectProgressJson>;
  pauses: Array<Record<string, unknown>>;
  error: string | null;
}

interface ObjectProgressJson {
  pages?: number;
  records?: number;
  cursor?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export function toRun(row: RunRow) {
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

export const RUN_COLUMNS = [
  'id',
  'integration_id',
  'kind',
  'trigger',
  'status',
  'started_at',
  'finished_at',
  'api_calls',
  'progress',
  'pauses',
  'error',
] as const;
