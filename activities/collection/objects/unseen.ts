import type { SqlHandle } from './types';

/**
 * A full object's deleteUnseen: removes the integration's rows of `table` that the just-completed pass (`runId`)
 * did not stamp, i.e. records deleted in Salesforce since the previous pass.
 */
export function deleteUnseenFrom(table: string) {
  return async (sql: SqlHandle, integrationId: string, runId: string): Promise<number> => {
    const result = await sql`
      delete from ${sql(table)} where integration_id = ${integrationId} and last_seen_run_id is distinct from ${runId}`;
    return result.count;
  };
}
