import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createSalesforceClientFactory } from '../../activities/salesforce/client';
import type { CollectionProgress } from '../../activities/collection';
import { connectTestServices } from '../support/context';
import {
  createTestSecretBox,
  insertIntegration,
  insertRun,
  makeDeps,
  startSimulator,
  type RunningSimulator,
} from '../salesforce/support';
import { collect, fingerprint } from './helpers';

let services: Awaited<ReturnType<typeof connectTestServices>>;
let sim: RunningSimulator;
const salesforce = createSalesforceClientFactory({ requestTimeoutMs: 30_000 });
const secrets = createTestSecretBox();

beforeAll(async () => {
  services = await connectTestServices();
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await salesforce.close();
  await sim.close();
  await services.close();
});

describe('LoginHistory at volume', () => {
  it('collects 50,000 logins in ceil(50000/2000) pages and reports progress to the integration workflow', async () => {
    const org = sim.simulator.control.createOrg({ users: 500, logins: 50_000 });
    const integrationId = await insertIntegration(services.sql, secrets, org, { loginHistoryDays: 366 });
    const runId = await insertRun(services.sql, integrationId, 'initial');
    // Records the progress signals instead of delivering them (no integration workflow runs in this test).
    const signals: Array<{ workflowId: string; name: string; progress: CollectionProgress }> = [];
    const temporal = {
      workflow: {
        getHandle: (workflowId: string) => ({
          signal: async (name: string, progress: CollectionProgress) => {
            signals.push({ workflowId, name, progress });
          },
        }),
      },
    } as unknown as Client;
    const deps = makeDeps({
      sql: services.sql,
      temporal,
      secrets,
      salesforce,
      now: () => sim.simulator.control.now(),
    });
    sim.simulator.control.resetCounters(org.key);

    const started = performance.now();
    const result = await collect(deps, { integrationId, runId, object: 'LoginHistory', kind: 'initial' });
    const seconds = (performance.now() - started) / 1000;

    const total = sim.simulator.control.objectCounts(org.key).LoginHistory!;
    expect(result).toMatchObject({ outcome: 'completed', records: total, pages: Math.ceil(total / 2000) });
    expect(sim.simulator.control.counters(org.key).apiCallsCounted).toBe(Math.ceil(total / 2000) + 1);
    expect((await fingerprint(services.sql, 'LoginHistory', integrationId)).count).toBe(total);
    console.info(
      `LoginHistory: ${total} rows in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} rows/s`,
    );

    // At most one signal per 30 s plus the final one, to the integration's workflow id, with no record data.
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(signals.length).toBeLessThanOrEqual(2 + Math.floor(seconds / 30));
    const last = signals.at(-1)!;
    expect(last.workflowId).toBe(`integration-${integrationId}`);
    expect(last.name).toBe('collectionProgress');
    expect(last.progress).toMatchObject({
      runId,
      object: 'LoginHistory',
      records: total,
      apiCalls: Math.ceil(total / 2000) + 1,
    });
    expect(last.progress.cursor).toMatch(/^LoginTime \d{4}-.*Z \/ 0Ya/);
  }, 120_000);
});
