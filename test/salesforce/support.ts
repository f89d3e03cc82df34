import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { connectTestServices } from '../support/context';
import type { ActivityDependencies } from '../../activities/dependencies';
import { createSalesforceClientFactory, type ClosableSalesforceClientFactory } from '../../salesforce/client';
import type { Sql } from '../../platform/database';
import { createLogger, type Logger } from '../../platform/logger';
import type { SecretBox } from '../../platform/secrets';
import type { RunKind } from '../../workflows/definitions';
import { startSimulator } from '../../simulator/index';
import { createTestIntegration, createTestRun, testSecrets } from '../support/factories';

export type RunningSimulator = Awaited<ReturnType<typeof startSimulator>>;
export type SimulatorControl = RunningSimulator['simulator']['control'];
export type CreatedOrg = ReturnType<SimulatorControl['createOrg']>;

export { startSimulator };

/** A logger that keeps every line, so tests can assert what was (never) logged. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', {}, (line) => lines.push(line)), lines };
}

export async function insertIntegration(
  sql: Sql,
  secrets: SecretBox,
  org: { salesforceUrl: string; consumerKey: string; consumerSecret: string },
  options: Record<string, unknown> = {},
): Promise<string> {
  return (await createTestIntegration(sql, { secrets, org, options })).integrationId;
}

export async function insertRun(sql: Sql, integrationId: string, kind: RunKind): Promise<string> {
  return createTestRun(sql, integrationId, { kind });
}

export async function finishRun(sql: Sql, runId: string): Promise<void> {
  await sql`update collection_runs set status = 'succeeded', finished_at = now() where id = ${runId}`;
}

export function makeDeps(args: {
  sql: Sql;
  temporal: Client;
  secrets: SecretBox;
  salesforce?: ClosableSalesforceClientFactory;
  logger?: Logger;
  now?: () => Date;
}): ActivityDependencies & { salesforce: ClosableSalesforceClientFactory } {
  return {
    sql: args.sql,
    temporal: args.temporal,
    secrets: args.secrets,
    salesforce:
      args.salesforce ?? createSalesforceClientFactory({ requestTimeoutMs: 20_000, allowLocalUrls: true }),
    logger: args.logger ?? createLogger('error'),
    taskQueue: `test-${randomUUID()}`,
    now: args.now ?? (() => new Date()),
  };
}

/** Runs an activity function inside a MockActivityEnvironment (heartbeats, cancellation, activity context). */
export function runActivity<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  args: A,
  options: {
    heartbeatDetails?: unknown;
    onHeartbeat?: (details: unknown, env: MockActivityEnvironment) => void;
  } = {},
): Promise<R> {
  const env = new MockActivityEnvironment(
    options.heartbeatDetails === undefined ? {} : { heartbeatDetails: options.heartbeatDetails },
  );
  if (options.onHeartbeat) env.on('heartbeat', (details: unknown) => options.onHeartbeat!(details, env));
  return env.run(fn, ...args);
}

/**
 * The per-file fixture of the Salesforce and collection tests: the run's database and Temporal client, a
 * simulator on a free port and a Salesforce client factory, all closed after the file.
 */
export interface SimulatorFixture {
  services: Awaited<ReturnType<typeof connectTestServices>>;
  sim: RunningSimulator;
  secrets: SecretBox;
  salesforce: ClosableSalesforceClientFactory;
}

export function useSimulatorFixture(
  options: { requestTimeoutMs?: number; simulatorClock?: boolean } = {},
): SimulatorFixture {
  const fixture: SimulatorFixture = {
    services: undefined as unknown as Awaited<ReturnType<typeof connectTestServices>>,
    sim: undefined as unknown as RunningSimulator,
    secrets: testSecrets().box,
    salesforce: createSalesforceClientFactory({
      // The simulator listens on loopback: local mode, as `npm start` runs the demo.
      allowLocalUrls: true,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      // Token and usage freshness follow the simulator's clock when a test moves it.
      ...(options.simulatorClock ? { now: (): Date => fixture.sim.simulator.control.now() } : {}),
    }),
  };
  beforeAll(async () => {
    fixture.services = await connectTestServices();
    fixture.sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await fixture.salesforce.close();
    await fixture.sim?.close();
    await fixture.services?.close();
  });
  return fixture;
}
