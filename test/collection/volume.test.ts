import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { CollectionProgress } from '../../activities/collection';
import { insertIntegration, insertRun, makeDeps, useSimulatorFixture } from '../salesforce/support';
import { collect, fingerprint } from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 30_000 });

describe('LoginHistory at volume', () => {
  it('collects 50,000 logins in ceil(50000/2000) pages and reports progress to the integration workflow', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 500, logins: 50_000 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      loginHistoryDays: 366,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    // Records the progress signals instead of delivering them (no integration workflow runs in this test).
    const signals: Array<{
      workflowId: string;
      name: string | { name: string };
      progress: CollectionProgress;
    }> = [];
    const temporal = {
      workflow: {
        getHandle: (workflowId: string) => ({
          signal: async (name: string | { name: string }, progress: CollectionProgress) => {
            signals.push({ workflowId, name, progress });
          },
        }),
      },
    } as unknown as Client;
    const deps = makeDeps({
      sql: fixture.services.sql,
      temporal,
      secrets: fixture.secrets,
      salesforce: fixture.salesforce,
      now: () => fixture.sim.simulator.control.now(),
    });
    fixture.sim.simulator.control.resetCounters(org.key);

    const started = performance.now();
    const result = await collect(deps, { integrationId, runId, object: 'LoginHistory', kind: 'initial' });
    const seconds = (performance.now() - started) / 1000;

    const total = fixture.sim.simulator.control.objectCounts(org.key).LoginHistory!;
    expect(result).toMatchObject({ outcome: 'completed', records: total, pages: Math.ceil(total / 2000) });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(Math.ceil(total / 2000) + 1);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(total);

    // At most one signal per 30 s plus the final one, to the integration's workflow id, with no record data.
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(signals.length).toBeLessThanOrEqual(2 + Math.floor(seconds / 30));
    const last = signals.at(-1)!;
    expect(last.workflowId).toBe(`integration-${integrationId}`);
    expect(typeof last.name === 'string' ? last.name : last.name.name).toBe('collectionProgress');
    expect(last.progress).toMatchObject({
      runId,
      object: 'LoginHistory',
      records: total,
      apiCalls: Math.ceil(total / 2000) + 1,
    });
    expect(last.progress.cursor).toMatch(/^LoginTime \d{4}-.*Z \/ 0Ya/);
  }, 120_000);
});
