import type { LocalSalesforceUrls } from '../platform/salesforce-url';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Sql } from '../platform/database';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secrets';
import type { ActionCooldowns } from './action-throttle';

/** Settings the API reads per request; parsed once from the environment by api/main.ts. */
export interface ApiConfig {
  /** Accept the simulator's http://127.0.0.1 / localhost org URLs (dev and tests only). */
  allowLocalSalesforceUrls: LocalSalesforceUrls;
  /** Request bodies above this size are refused with 413 before they are read. */
  bodyLimitBytes: number;
  /** Token-bucket size and refill per API key per minute. */
  rateLimitPerMinute: number;
  /** Failed authentications per client address per minute before 429 (default 60). */
  authFailuresPerMinute?: number;
  /** Active integrations one tenant may have (default 100, MAX_INTEGRATIONS_PER_TENANT). */
  maxIntegrationsPerTenant?: number;
  /** Report-class requests (api/endpoint-classes.ts) one tenant may run at once (default 4: one console
   * Insights page asks for its reports together). */
  reportsPerTenant?: number;
  /** Task queue new integration workflows are started on (TEMPORAL_TASK_QUEUE; tests use their own). */
  taskQueue: string;
  /** How long Test Connectivity / Collect Now wait for the workflow's answer. Default: 60 s. */
  workflowUpdateTimeoutMs?: number;
  /** Per-integration cooldowns of Test Connectivity / Collect Now. Default: 15 s / 60 s. */
  actionCooldowns?: Partial<ActionCooldowns>;
  /** Exports streaming at once per process (each runs its batches back to back for as long as its reader reads). Default: 2. */
  maxConcurrentExports?: number;
  /** The Temporal Web UI the console links workflows to (TEMPORAL_UI_URL); no link when unset. */
  temporalUi?: { url: string; namespace: string };
}

/** Everything a request handler may touch, built once by the composition root (api/main.ts). */
export interface ApiDependencies {
  /** Pool for standard requests: short statement timeout (API_STATEMENT_TIMEOUT_MS). */
  sql: Sql;
  /**
   * Pool for report-class requests (api/endpoint-classes.ts): few connections, a longer statement timeout, so
   * reports cannot take the connections page reads need. Defaults to `sql`.
   */
  reportSql?: Sql;
  temporal: Client;
  logger: Logger;
  /** Encrypts consumer secrets on the way in; the API never decrypts. */
  secrets: SecretBox;
  config: ApiConfig;
  /** Wall clock (the same type as the activities' `now`), injectable so tests can move time. */
  now: () => Date;
  /** Prometheus registry: request metrics and GET /metrics (api/main.ts; tests that look at them). */
  metrics?: Registry;
}
