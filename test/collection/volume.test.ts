import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { makeDeps, useSimulatorFixture } from '../salesforce/support';
import { collect, fingerprint, initialRun } from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 30_000 });

describe('LoginHistory at volume', () => {
  it('collects 50,000 logins in ceil(50000/2000) pages and records progress with each page', async () => {
    const { org, integrationId, runId, input } = await initialRun(
      fixture,
      { users: 500, logins: 50_000 },
      { loginHistoryDays: 366 },
    );
    // Progress goes to PostgreSQL with each page, never to Temporal: any use of the client is recorded.
    const temporalCalls: string[] = [];
    const temporal = new Proxy({} as Client, {
      get: (_target, property) => {
        temporalCalls.push(String(property));
        return undefined;
      },
    });
    const deps = makeDeps({
      sql: fixture.services.sql,
      temporal,
      secrets: fixture.secrets,
      salesforce: fixture.salesforce,
      now: () => fixture.sim.simulator.control.now(),
    });
    fixture.sim.simulator.control.resetCounters(org.key);

    const result = await collect(deps, input);

    const total = fixture.sim.simulator.control.objectCounts(org.key).LoginHistory!;
    expect(result).toMatchObject({ outcome: 'completed', records: total, pages: Math.ceil(total / 2000) });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(Math.ceil(total / 2000) + 1);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(total);

    // Progress is in the run's row (what the API shows), written with the pages, and no signal grew any history.
    expect(temporalCalls).toEqual([]);
    const [run] = await fixture.services.sql<
      {
        progress: Record<string, { pages: number; records: number; cursor: string | null }>;
        api_calls: number;
      }[]
    >`select progress, api_calls from collection_runs where id = ${runId}`;
    expect(run!.progress.LoginHistory).toMatchObject({ records: total, pages: Math.ceil(total / 2000) });
    expect(run!.api_calls).toBe(Math.ceil(total / 2000) + 1);
  }, 120_000);
});
