import type { Client } from '@temporalio/client';
import type { Sql } from '../platform/database';
import type { Logger } from '../platform/logger';

/** Everything a request handler may touch, built once by the composition root (api/main.ts). */
export interface ApiDependencies {
  sql: Sql;
  temporal: Client;
  logger: Logger;
}
