import { afterAll, inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createSql, type Sql } from '../../platform/database';

export interface TestServices {
  sql: Sql;
  temporal: Client;
  close(): Promise<void>;
}

/** Connections to the run's shared Temporal server and database, opened per test file. */
export async function connectTestServices(): Promise<TestServices> {
  return testServices(await Connection.connect({ address: inject('temporalAddress') }));
}

/**
 * The same connections for a whole test file, usable from its top level (`const { sql } = useTestServices()`):
 * both connect on first use (postgres.js always does; the Temporal connection is lazy) and close after the
 * file's last test.
 */
export function useTestServices(): TestServices {
  const services = testServices(Connection.lazy({ address: inject('temporalAddress') }));
  afterAll(() => services.close());
  return services;
}

function testServices(connection: Connection): TestServices {
  const sql = createSql({
    url: inject('databaseUrl'),
    poolSize: 5,
    applicationName: 'identity-collector-test',
  });
  return {
    sql,
    temporal: new Client({ connection, namespace: 'default' }),
    close: async () => {
      await sql.end({ timeout: 5 });
      await connection.close();
    },
  };
}
