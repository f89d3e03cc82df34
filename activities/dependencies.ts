import type { Client } from '@temporalio/client';
import type { Sql } from '../platform/database';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secrets';
import type { PageBudget } from './collection/page-budget';
import type { SalesforceClientFactory } from './salesforce/client';

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
}
