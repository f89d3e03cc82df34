import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { startEmbeddedPostgres, type RunningPostgres } from '../../dev/embedded-postgres';
import { freePort } from '../../platform/ports';
import { startDevServer } from '../../dev/temporal-dev-server';
import { createSql, type Sql } from '../../platform/database';
import { applyMigrations } from '../../platform/migrate';
import { createSecretBox, type SecretBox } from '../../platform/secrets';
import { ensureTemporalExecutable } from '../../dev/temporal-tools';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { onCleanup } from './cleanup';

export interface Postgres {
  /** URL of the bench database (migrated). */
  url: string;
  sql: Sql;
  port: number;
  /** Stops PostgreSQL and starts it again on the same data directory and port (drills). */
  restart(downMs?: number): Promise<void>;
}

/**
 * An embedded PostgreSQL the bench owns (a drill must be able to stop and start it), in a temporary data
 * directory that is removed at the end, with one migrated database.
 */
export async function startPostgres(): Promise<Postgres> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ic-bench-pg-'));
  const port = await freePort();
  let server: RunningPostgres = await startEmbeddedPostgres({ dataDir, port });
  onCleanup('PostgreSQL', async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin`create database identity_collector_bench`;
  await admin.end();
  const url = server.url.replace(/\/postgres$/, '/identity_collector_bench');
  await applyMigrations(url);
  const sql = createSql({ url, poolSize: 8, applicationName: 'bench' });
  onCleanup('bench pool', () => sql.end({ timeout: 5 }));
  return {
    url,
    sql,
    port,
    async restart(downMs = 3000) {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startEmbeddedPostgres({ dataDir, port });
    },
  };
}

export interface Temporal {
  address: string;
  client: Client;
}

export async function startTemporal(): Promise<Temporal> {
  const executable = await ensureTemporalExecutable('temporal', { explicit: process.env.TEMPORAL_CLI_PATH });
  const server = await startDevServer({
    executable,
    port: await freePort(),
    namespace: 'default',
    retentionHours: 24,
  });
  onCleanup('Temporal dev server', () => server.stop());
  const connection = await Connection.connect({ address: server.address });
  onCleanup('Temporal client', () => connection.close());
  return { address: server.address, client: new Client({ connection, namespace: 'default' }) };
}

export async function startBenchSimulator(): Promise<RunningSimulator> {
  const simulator = await startSimulator({ port: 0 });
  onCleanup('simulator', () => simulator.close());
  return simulator;
}

export interface Secrets {
  box: SecretBox;
  key: string;
  keyId: string;
}

export function benchSecrets(): Secrets {
  const key = randomBytes(32).toString('base64');
  return { box: createSecretBox({ id: 'bench', key }), key, keyId: 'bench' };
}

export interface Stack {
  pg: Postgres;
  temporal: Temporal;
  secrets: Secrets;
  taskQueue: string;
}

export async function startStack(): Promise<Stack> {
  const started = performance.now();
  const [pg, temporal] = await Promise.all([startPostgres(), startTemporal()]);
  console.log(`[bench] PostgreSQL and Temporal up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { pg, temporal, secrets: benchSecrets(), taskQueue: `bench-${randomBytes(4).toString('hex')}` };
}
