import { describe, expect, it } from 'vitest';
import { recomputeFindings } from '../../../insights/findings';
import { useTestServices } from '../../support/context';
import { insertLogins } from '../fixtures';
import { DAY, findingShapes, fullRun, loginFactory, NOW, uid, type Org } from './harness';

const { sql } = useTestServices();

describe('privileged_user_unused', () => {
  const helpdesk = uid(8);
  const org: Org = {
    users: [{ id: helpdesk, profileId: '00eSTD', createdAt: new Date('2025-01-01T00:00:00Z') }],
    permissionSets: [{ id: '0PSHELPDESK0001', manageUsers: true, assignees: [helpdesk] }],
  };

  it('reports a Manage Users holder idle past the threshold, and supersedes it once they log in (D7)', async () => {
    const make = loginFactory();
    const idle = await fullRun(sql, org, [
      make({ userId: helpdesk, at: new Date(NOW.getTime() - 31 * DAY) }),
    ]);
    expect(idle.findings.map((f) => f.kind)).toEqual(['privileged_user_unused']);
    const nearMiss = await fullRun(sql, org, [
      make({ userId: helpdesk, at: new Date(NOW.getTime() - 29 * DAY) }),
    ]);
    expect(nearMiss.findings).toEqual([]);

    // A second run the next day changes nothing (no rewrite every run); a login then closes it.
    const again = await recomputeFindings(sql, { integrationId: idle.integrationId, since: null, now: NOW });
    expect(again).toMatchObject({ opened: 0, updated: 0 });
    await insertLogins(sql, idle.integrationId, [
      make({ userId: helpdesk, at: new Date(NOW.getTime() - DAY) }),
    ]);
    const after = await recomputeFindings(sql, {
      integrationId: idle.integrationId,
      since: new Date(NOW.getTime() - 2 * DAY),
      now: NOW,
    });
    expect(after.superseded).toBe(1);
    expect(await findingShapes(sql, idle.tenantId, idle.integrationId)).toEqual([]);
  });
});
