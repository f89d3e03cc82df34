import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../platform/database';
import type { ActivityDependencies } from './dependencies';

/**
 * Every table with an integration_id column, read from the catalogue, so a table added by a later migration is
 * purged without editing a list.
 */
export async function tablesWithIntegrationRows(sql: Sql): Promise<string[]> {
  const rows = await sql<{ table: string }[]>`
    select c.table_name as table from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'integration_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`;
  return rows.map((row) => row.table);
}

/** Rows deleted per statement: small enough that one batch holds its locks and WAL for well under a second. */
const DEFAULT_BATCH_ROWS = 10_000;

/**
 * Purge of an integration marked by `DELETE …?purge=true`. Every table holding the integration's rows is
 * emptied in batches (each its own short transaction, so a purge of millions of rows never holds one long
 * transaction, and a retry continues from what is left), then the integration row itself, whose cascade
 * removes whatever remains. Idempotent: a purge already finished returns at once.
 */
export function createPurgeActivities(
  { sql, logger }: Pick<ActivityDependencies, 'sql' | 'logger'>,
  { batchRows = DEFAULT_BATCH_ROWS }: { batchRows?: number } = {},
) {
  return {
    async purgeIntegrationData({
      integrationId,
    }: {
      integrationId: string;
    }): Promise<{ deletedRows: number }> {
      const [row] = await sql<{ purgeRequested: boolean }[]>`
        select purge_requested_at is not null as "purgeRequested" from integrations where id = ${integrationId}`;
      if (!row) return { deletedRows: 0 };
      if (!row.purgeRequested) {
        throw ApplicationFailure.nonRetryable(
          `Integration ${integrationId} is not marked for purge; nothing was deleted`,
          'PurgeNotRequested',
        );
      }
      let deletedRows = 0;
      for (const table of await tablesWithIntegrationRows(sql)) {
        for (;;) {
          const deleted = await sql`
            delete from ${sql(table)} where ctid = any(array(
              select ctid from ${sql(table)} where integration_id = ${integrationId} limit ${batchRows}))`;
          deletedRows += deleted.count;
          Context.current().heartbeat({ table, deletedRows });
          if (deleted.count < batchRows) break;
        }
      }
      await sql`delete from integrations where id = ${integrationId} and purge_requested_at is not null`;
      logger.info('integration purged', { integrationId, deletedRows });
      return { deletedRows };
    },
  };
}
