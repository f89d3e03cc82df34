import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createSql, type Sql } from '../../platform/database';

/** Connections to the run's shared Temporal server and database, opened per test file. */
export async function connectTestServices(): Promise<{ sql: Sql; temporal: Client; close(): Promise<void> }> {
  const sql = createSql({
    url: inject('databaseUrl'),
    poolSize: 5,
    applicationName: 'identity-collector-test',
  });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const temporal = new Client({ connection, namespace: 'default' });
  return {
    sql,
    temporal,
    close: async () => {
      await sql.end({ timeout: 5 });
      await connection.close();
    },
  };
}
