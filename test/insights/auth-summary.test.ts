import { describe, expect, it } from 'vitest';
import { authActivitySummary, refreshLoginDailyCounts } from '../../insights/auth-activity/summary';
import { useTestServices } from '../support/context';
import { createTenantIntegration, insertLogins, insertUsers } from './fixtures';

const { sql } = useTestServices();

describe('authentication summary', () => {
  it('stops at a `to` on UTC midnight instead of adding the whole next day (D9)', async () => {
    const { integrationId } = await createTenantIntegration(sql);
    await insertUsers(sql, integrationId, [{ id: '005SUM000000001' }]);
    await insertLogins(sql, integrationId, [
      { id: '0YaSUM000000001', userId: '005SUM000000001', at: new Date('2026-03-31T23:00:00Z') },
      { id: '0YaSUM000000002', userId: '005SUM000000001', at: new Date('2026-04-01T01:00:00Z') },
    ]);
    await refreshLoginDailyCounts(sql, integrationId, null);
    const periods = async (to: string) =>
      (
        await authActivitySummary(sql, integrationId, {
          groupBy: 'day',
          from: new Date('2026-03-01T00:00:00Z'),
          to: new Date(to),
        })
      )
        .filter((r) => r.dimension === 'status')
        .map((r) => r.period);
    expect(await periods('2026-04-01T00:00:00Z')).toEqual(['2026-03-31']);
    // A partial last day is widened to the whole day.
    expect(await periods('2026-04-01T00:00:01Z')).toEqual(['2026-03-31', '2026-04-01']);
  });

  it('two overlapping refreshes of the daily counts both succeed (advisory lock)', async () => {
    const { integrationId } = await createTenantIntegration(sql);
    await insertUsers(sql, integrationId, [{ id: '005SUM000000002' }]);
    await insertLogins(
      sql,
      integrationId,
      Array.from({ length: 200 }, (_, i) => ({
        id: `0YaSUL${String(i).padStart(9, '0')}`,
        userId: '005SUM000000002',
        at: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 3_600_000),
      })),
    );
    await expect(
      Promise.all(
        Array.from({ length: 4 }, () => refreshLoginDailyCounts(sql, integrationId, '2026-04-01T00:00:00Z')),
      ),
    ).resolves.toHaveLength(4);
  });
});
