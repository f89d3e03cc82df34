import type { Client } from '@temporalio/client';
import type { Sql } from '../platform/database';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secrets';
import type { PageBudget } from './collection/page-budget';
import type { SalesforceClientFactory } from '../salesforce/client';

/** What activities may use, built once by the worker's composition root (worker/main.ts). */
export interface ActivityDependencies {
  sql: Sql;
  /** For schedules and the reconciler; never passed into workflow code. */
  temporal: Client;
  secrets: SecretBox;
  salesforce: SalesforceClientFactory;
  logger: Logger;
  /** The queue integration workflows run on (schedules and the reconciler start workflows there). */
  taskQueue: string;
  /** Wall clock, injectable so tests can reason about "the next day". */
  now: () => Date;
  /** How long one collectObject attempt pages before yielding its slot (default 5 minutes). */
  collectionSliceMs?: number;
  /** Salesforce pages held in memory at once by this worker's collection activities (unbounded when absent). */
  pageBudget?: PageBudget;
  /** Application metrics (the worker's /metrics); absent in tests that do not look at them. */
  metrics?: CollectionMetrics;
}

/**
 * What collection reports to the worker's Prometheus endpoint. One call per event, no labels beyond the object
 * and outcome, so a fleet of orgs does not explode the series count (Salesforce calls and org usage are
 * reported by the Salesforce client itself, see SalesforceMetrics).
 */
export interface CollectionMetrics {
  /** One page of `rows` records of `object` written to PostgreSQL. */
  pageWritten(object: string, rows: number): void;
  /** A run stopped before a call the quota guard (or the run's call budget) did not allow. */
  quotaPaused(reason: 'daily_threshold' | 'run_budget'): void;
  /** A run reached its final status (counted once, however often the activity is retried). */
  runFinished(kind: string, status: string, seconds: number): void;
}
