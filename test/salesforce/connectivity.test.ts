import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createConnectivityActivities } from '../../activities/connectivity';
import {
  captureLogger,
  insertIntegration,
  makeDeps,
  useSimulatorFixture,
  type RunningSimulator,
} from './support';

const fixture = useSimulatorFixture({ requestTimeoutMs: 10_000 });

async function setup(
  spec: Parameters<RunningSimulator['simulator']['control']['createOrg']>[0],
  connection: { consumerSecret?: string } = {},
) {
  const org = fixture.sim.simulator.control.createOrg({ users: 20, logins: 200, ...spec });
  const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, {
    ...org,
    ...connection,
  });
  const { logger, lines } = captureLogger();
  const deps = makeDeps({
    sql: fixture.services.sql,
    temporal: fixture.services.temporal,
    secrets: fixture.secrets,
    salesforce: fixture.salesforce,
    logger,
  });
  return { org, integrationId, lines, activities: createConnectivityActivities(deps) };
}

describe('testConnectivity', () => {
  it('answers Connected! for a Developer Edition org and records the result on the integration', async () => {
    const { org, integrationId, activities, lines } = await setup({ edition: 'Developer Edition' });
    const result = await activities.testConnectivity({ integrationId });
    expect(result).toMatchObject({
      ok: true,
      message: 'Connected!',
      edition: 'Developer Edition',
      orgId: org.orgId,
    });
    if (!result.ok) throw new Error('unreachable');
    expect(result.apiUsage.max).toBe(15_000);
    expect(result.apiUsage.used).toBeGreaterThan(0);
    const [row] = await fixture.services.sql<
      { org_id: string; edition: string; last_test: { ok: boolean } }[]
    >`
      select org_id, edition, last_test from integrations where id = ${integrationId}`;
    expect(row).toMatchObject({ org_id: org.orgId, edition: 'Developer Edition', last_test: { ok: true } });
    const log = lines.join('\n');
    expect(log).not.toContain(org.consumerSecret);
    expect(log).not.toMatch(/00D\w{12,15}!/); // no access token
    // token + /limits + Organization + User + LoginHistory: a handful of calls, counted by the simulator.
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(4);
  });

  it('fails with the Manage Users fix when the Run As user only sees its own logins', async () => {
    const { integrationId, activities } = await setup({ runAsCanManageUsers: false });
    const result = await activities.testConnectivity({ integrationId });
    expect(result).toMatchObject({ ok: false, code: 'LOGIN_HISTORY_NOT_READABLE' });
    if (result.ok) throw new Error('unreachable');
    expect(result.message).toMatch(/Manage Users \(or Monitor Login History\)/);
    expect(result.fix).toMatch(/Run As/);
  });

  it('returns (not throws) a classified credential problem and never logs the secret', async () => {
    const { integrationId, activities, lines } = await setup(
      {},
      { consumerSecret: 'wrong-secret-value-1234' },
    );
    const result = await activities.testConnectivity({ integrationId });
    expect(result).toMatchObject({ ok: false, code: 'INVALID_CLIENT_SECRET' });
    expect(lines.join('\n')).not.toContain('wrong-secret-value-1234');
    const [row] = await fixture.services.sql<
      { last_test: { code: string } }[]
    >`select last_test from integrations where id = ${integrationId}`;
    expect(row!.last_test.code).toBe('INVALID_CLIENT_SECRET');
  });

  it('explains the edition requirement', async () => {
    const noApi = await setup({ edition: 'Group Edition' });
    const refused = await noApi.activities.testConnectivity({ integrationId: noApi.integrationId });
    expect(refused).toMatchObject({ ok: false, code: 'API_DISABLED_FOR_ORG' });
    if (refused.ok) throw new Error('unreachable');
    expect(refused.fix).toMatch(
      /Enterprise, Unlimited, Performance or Developer Edition, or Professional Edition with the API add-on/,
    );

    const group = await setup({ edition: 'Group Edition', apiEnabled: true });
    const unsupported = await group.activities.testConnectivity({ integrationId: group.integrationId });
    expect(unsupported).toMatchObject({ ok: false, code: 'EDITION_NOT_SUPPORTED' });
    if (unsupported.ok) throw new Error('unreachable');
    expect(unsupported.message).toMatch(/Enterprise Edition or above/);
  });

  it('throws a retryable failure for transient trouble', async () => {
    const { org, integrationId, activities } = await setup({});
    fixture.sim.simulator.control.setFaults(org.key, { unavailableRate: 1 });
    const error = await activities.testConnectivity({ integrationId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
  });
});
