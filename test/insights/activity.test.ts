import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createInsightActivities } from '../../activities/insights';
import type { ActivityDependencies } from '../../activities/dependencies';
import { createLogger } from '../../platform/logger';
import { useTestServices } from '../support/context';
import { createTenantIntegration } from './fixtures';
import { FIXTURE_NOW, loadFixtureOrg } from './fixture-org';

const services = useTestServices();

describe('recomputeFindings activity', () => {
  it('validates its input, opens findings once and reports counts only', async () => {
    const { integrationId } = await createTenantIntegration(services.sql);
    await loadFixtureOrg(services.sql, integrationId);
    const lines: string[] = [];
    const activities = createInsightActivities({
      sql: services.sql,
      temporal: services.temporal,
      logger: createLogger('info', {}, (line) => lines.push(line)),
      now: () => FIXTURE_NOW,
    } as unknown as ActivityDependencies);
    const env = new MockActivityEnvironment();

    const first = await env.run(activities.recomputeFindings, { integrationId, since: null });
    expect(first).toEqual({
      opened: 10,
      updated: expect.any(Number),
      reopened: 0,
      superseded: 0,
      byKind: expect.any(Object),
      unknownStatuses: [],
    });
    const incremental = (await env.run(activities.recomputeFindings, {
      integrationId,
      runId: 'run-2',
      since: '2026-05-25T00:00:00Z',
    })) as Awaited<ReturnType<typeof activities.recomputeFindings>>;
    expect(incremental.opened).toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ message: 'findings recomputed', mode: 'incremental' });
    await expect(
      env.run(activities.recomputeFindings, { integrationId: 'nope', since: null }),
    ).rejects.toThrow();
  });
});
