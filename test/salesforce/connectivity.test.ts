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
  it('answers Connected! with every requirement passed and records the result on the integration', async () => {
    const { org, integrationId, activities, lines } = await setup({ edition: 'Unlimited Edition' });
    const result = await activities.testConnectivity({ integrationId });
    expect(result).toMatchObject({
      ok: true,
      message: 'Connected!',
      edition: 'Unlimited Edition',
      orgId: org.orgId,
    });
    if (!result.ok) throw new Error('unreachable');
    expect(result.apiUsage.used).toBeGreaterThan(0);
    expect(result.checks?.map((c) => [c.name, c.status])).toEqual([
      ['client_credentials', 'pass'],
      ['ip_restrictions', 'pass'],
      ['api_enabled', 'pass'],
      ['edition', 'pass'],
      ['api_only_user', 'pass'],
      ['manage_users', 'pass'],
      ['profile_and_licence', 'pass'],
      ['object_access', 'pass'],
      ['api_usage', 'pass'],
    ]);
    const [row] = await fixture.services.sql<
      { org_id: string; edition: string; last_test: { ok: boolean } }[]
    >`
      select org_id, edition, last_test from integrations where id = ${integrationId}`;
    expect(row).toMatchObject({ org_id: org.orgId, edition: 'Unlimited Edition', last_test: { ok: true } });
    const log = lines.join('\n');
    expect(log).not.toContain(org.consumerSecret);
    expect(log).not.toMatch(/00D\w{12,15}!/); // no access token
    // /limits, Organization, the Run As user, its permission sets, others' LoginHistory, one probe per
    // collected object: counted by the simulator (the token request is not an API call).
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(11);
  });

  /** The failing requirement, its fix, and that the first failure is the result's code (as before checks). */
  const failing = async (spec: Parameters<typeof setup>[0], name: string, code: string) => {
    const { integrationId, activities } = await setup(spec);
    const result = await activities.testConnectivity({ integrationId });
    expect(result).toMatchObject({ ok: false, code });
    if (result.ok) throw new Error('unreachable');
    const check = result.checks?.find((c) => c.name === name);
    expect(check).toMatchObject({ status: 'fail' });
    expect(check?.fix).toBeTruthy();
    expect(result.checks?.find((c) => c.status === 'fail')?.fix).toBe(result.fix);
    return { result, check: check! };
  };

  it('refuses Developer Edition (and lower) with the edition requirement', async () => {
    const { check } = await failing({ edition: 'Developer Edition' }, 'edition', 'EDITION_NOT_SUPPORTED');
    expect(check.detail).toMatch(/Developer Edition.*Enterprise Edition or above/);
  });

  it('fails the API Only User requirement with its setup step', async () => {
    const { check } = await failing({ runAsApiOnly: false }, 'api_only_user', 'API_ONLY_USER_MISSING');
    expect(check.fix).toMatch(/"API Only User"/);
  });

  it('fails the Manage External Users requirement with its setup step', async () => {
    const { check } = await failing(
      { runAsCanManageExternalUsers: false },
      'manage_users',
      'LOGIN_HISTORY_NOT_READABLE',
    );
    expect(check.detail).toMatch(/lacks Manage External Users/);
    expect(check.fix).toMatch(/"Manage Internal Users" and "Manage External Users"/);
  });

  it('fails the API Enabled requirement and skips what it could not check', async () => {
    const { result } = await failing({ runAsApiEnabled: false }, 'api_enabled', 'API_DISABLED_FOR_USER');
    expect(result.fix).toMatch(/"API Enabled"/);
    expect(result.checks?.find((c) => c.name === 'client_credentials')?.status).toBe('pass');
  });

  it('refuses the Minimum Access - API Only Integrations profile and the Salesforce Integration licence', async () => {
    const profile = await failing(
      { runAsProfile: 'minimumAccess' },
      'profile_and_licence',
      'LOGIN_HISTORY_NOT_READABLE',
    );
    expect(profile.check.detail).toMatch(/Minimum Access - API Only Integrations/);
    const licence = await failing(
      { runAsLicense: 'Salesforce Integration' },
      'profile_and_licence',
      'INTEGRATION_PROFILE_OR_LICENCE',
    );
    expect(licence.check.detail).toMatch(/Salesforce Integration licence/);
  });

  it('explains an IP restriction on the token request', async () => {
    const { result, check } = await failing({ ipRestricted: true }, 'ip_restrictions', 'IP_RESTRICTED');
    expect(check.fix).toMatch(/Relax IP restrictions/);
    expect(result.checks?.find((c) => c.name === 'edition')?.status).toBe('skipped');
  });

  it('names the collected objects the Run As user cannot read', async () => {
    const { result } = await failing(
      { runAsCanManageUsers: false },
      'manage_users',
      'LOGIN_HISTORY_NOT_READABLE',
    );
    expect(result.checks?.find((c) => c.name === 'object_access')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/cannot read UserLogin/),
    });
  });

  it('reports no run-as user under the client credentials requirement', async () => {
    const { check } = await failing({ runAsUser: false }, 'client_credentials', 'NO_RUN_AS_USER');
    expect(check.fix).toMatch(/Run As/);
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
    expect(refused.fix).toMatch(/ask your Salesforce account executive to enable API access/);

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
