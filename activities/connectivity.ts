import { z } from 'zod';
import type { ActivityDependencies } from './dependencies';
import { collectedObjects, type ConnectivityCheck, type ConnectivityResult } from '../workflows/definitions';
import { loadIntegration } from './integration-repository';
import {
  SalesforceDailyLimitError,
  SalesforceQueryError,
  SalesforceRequestError,
  SalesforceSetupError,
  toActivityFailure,
} from '../salesforce/errors';
import type { SalesforceClient } from '../salesforce/client';
import { usagePercent } from '../salesforce/limit-info';
import { idLiteral } from '../salesforce/soql';

const APP = 'Setup → External Client App Manager (or App Manager) → your app';
const RUN_AS_USER = 'Setup → Users → the Run As user → its profile or a permission set → System Permissions';
const RUN_AS_PERMISSIONS = `${RUN_AS_USER}: enable "View Setup and Configuration", "Manage Internal Users" and "Manage External Users" (or create a permission set with them and assign it to the Run As user: ${APP} → Policies → OAuth Policies → Client Credentials Flow → Run As).`;

/**
 * The requirements, in the order they are judged. Each failure names the Salesforce setup step that fixes it;
 * the first failure is also the result's code/message/fix (the shape before the checklist existed).
 */
const REQUIREMENTS = {
  client_credentials: 'Client credentials flow enabled with a Run As user',
  ip_restrictions: "The org's IP restrictions allow the collector",
  api_enabled: 'Run As user has API Enabled',
  edition: 'Org edition is Enterprise or above',
  api_only_user: 'Run As user has API Only User',
  manage_users: 'Run As user has Manage Internal Users and Manage External Users',
  profile_and_licence:
    'Run As user is not on the "Minimum Access - API Only Integrations" profile nor the Salesforce Integration licence',
  object_access: 'Run As user can read every collected object',
  api_usage: "Run As user can read the org's API usage (View Setup and Configuration)",
} as const;
type Requirement = keyof typeof REQUIREMENTS;

/** Failure codes (SalesforceSetupError and ours) by the requirement they belong to. */
const REQUIREMENT_OF_CODE: Record<string, Requirement> = {
  INVALID_CLIENT_ID: 'client_credentials',
  INVALID_CLIENT_SECRET: 'client_credentials',
  CLIENT_CREDENTIALS_FLOW_DISABLED: 'client_credentials',
  NO_RUN_AS_USER: 'client_credentials',
  RUN_AS_USER_INACTIVE: 'client_credentials',
  WRONG_DOMAIN: 'client_credentials',
  URL_REFUSED: 'client_credentials',
  TOKEN_REJECTED: 'client_credentials',
  API_SCOPE_MISSING: 'client_credentials',
  IP_RESTRICTED: 'ip_restrictions',
  API_DISABLED_FOR_USER: 'api_enabled',
  API_DISABLED_FOR_ORG: 'edition',
  EDITION_NOT_SUPPORTED: 'edition',
  API_ONLY_USER_MISSING: 'api_only_user',
  LOGIN_HISTORY_NOT_READABLE: 'manage_users',
  MANAGE_USERS_MISSING: 'manage_users',
  INTEGRATION_PROFILE_OR_LICENCE: 'profile_and_licence',
  USERS_NOT_READABLE: 'object_access',
  OBJECTS_NOT_READABLE: 'object_access',
  QUERY_REJECTED: 'object_access',
  INSUFFICIENT_ACCESS: 'object_access',
  LIMITS_NOT_READABLE: 'api_usage',
};

/**
 * Enterprise Edition or above. Salesforce reports the edition in Organization.OrganizationType
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm);
 * a sandbox reports its production org's edition.
 */
const SUPPORTED_EDITION = /^(enterprise|unlimited|performance)( edition)?$/i;
const MINIMUM_ACCESS_PROFILE = 'Minimum Access - API Only Integrations';
const INTEGRATION_LICENCE = 'Salesforce Integration';

const organizationSchema = z.looseObject({ OrganizationType: z.string().nullish() });
const runAsSchema = z.looseObject({
  Profile: z
    .looseObject({
      Name: z.string().nullish(),
      UserLicense: z.looseObject({ Name: z.string().nullish() }).nullish(),
    })
    .nullish(),
});
// API names of the user permissions, from the PermissionSet object in the Salesforce Field Reference
// (developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_PermissionSet.htm):
// "API Only User", "Manage Users", "Manage Internal Users" and "Manage External Users" (PermissionsManagePartners).
const PERMISSIONS = [
  'PermissionsApiUserOnly',
  'PermissionsManageUsers',
  'PermissionsManageInternalUsers',
  'PermissionsManagePartners',
] as const;
const assignmentSchema = z.looseObject({
  PermissionSet: z
    .looseObject(Object.fromEntries(PERMISSIONS.map((p) => [p, z.boolean().nullish()])))
    .nullish(),
});

export function createConnectivityActivities(deps: ActivityDependencies) {
  return {
    /**
     * Test Connectivity as a setup checklist: each requirement of the collector is checked and reported with
     * the Salesforce setup step that fixes it. A classified problem is the *result*, not an activity failure;
     * only transient trouble throws, so Temporal retries it.
     */
    async testConnectivity(input: { integrationId: string }): Promise<ConnectivityResult> {
      const { connection } = await loadIntegration(deps, input.integrationId);
      const client = deps.salesforce(connection);
      const log = deps.logger.child({ integrationId: input.integrationId, activity: 'testConnectivity' });
      let result: ConnectivityResult;
      try {
        result = await runChecks(client, deps.now().toISOString());
      } catch (error) {
        log.warn('connectivity test hit a transient problem', { error });
        throw toActivityFailure(error);
      }
      log.info('connectivity tested', {
        ok: result.ok,
        code: result.ok ? null : result.code,
        failed: result.checks?.filter((c) => c.status === 'fail').map((c) => c.name) ?? [],
        calls: client.callsMade,
        tokenRequests: client.tokenRequests,
      });
      await deps.sql`
        update integrations
        set last_test = ${deps.sql.json(result)},
            org_id = coalesce(${result.ok ? result.orgId : null}, org_id),
            edition = coalesce(${result.ok ? result.edition : null}, edition),
            updated_at = ${deps.now()}
        where id = ${input.integrationId}`;
      return result;
    },
  };
}

interface Failure {
  code: string;
  message: string;
  fix: string;
}

/** Collects each requirement's outcome; the first failure recorded for a requirement wins. */
class Checklist {
  private readonly outcomes = new Map<Requirement, { failure?: Failure; detail?: string }>();

  pass(requirement: Requirement, detail?: string) {
    if (!this.outcomes.has(requirement)) this.outcomes.set(requirement, { detail });
  }

  fail(requirement: Requirement, failure: Failure) {
    const current = this.outcomes.get(requirement);
    if (!current?.failure) this.outcomes.set(requirement, { failure });
  }

  /** Records a classified error under its requirement; anything else (transient) is rethrown. */
  failWith(error: unknown, fallback: Requirement) {
    const failure = classified(error);
    if (!failure) throw error;
    this.fail(REQUIREMENT_OF_CODE[failure.code] ?? fallback, failure);
  }

  get failed(): boolean {
    return [...this.outcomes.values()].some((o) => o.failure);
  }

  checks(): ConnectivityCheck[] {
    return (Object.keys(REQUIREMENTS) as Requirement[]).map((name) => {
      const outcome = this.outcomes.get(name);
      const title = REQUIREMENTS[name];
      if (!outcome)
        return { name, title, status: 'skipped', detail: 'Not checked: fix the failures above first.' };
      if (outcome.failure) {
        return { name, title, status: 'fail', detail: outcome.failure.message, fix: outcome.failure.fix };
      }
      return { name, title, status: 'pass', ...(outcome.detail ? { detail: outcome.detail } : {}) };
    });
  }

  firstFailure(): Failure | undefined {
    for (const name of Object.keys(REQUIREMENTS) as Requirement[]) {
      const failure = this.outcomes.get(name)?.failure;
      if (failure) return failure;
    }
    return undefined;
  }
}

async function runChecks(client: SalesforceClient, checkedAt: string): Promise<ConnectivityResult> {
  const list = new Checklist();
  const done = (extra?: { edition: string; orgId: string; apiUsage: { used: number; max: number } }) => {
    const checks = list.checks();
    const failure = list.firstFailure();
    if (failure || !extra) {
      const f = failure ?? { code: 'UNKNOWN', message: 'Test Connectivity could not finish.', fix: '' };
      return { ok: false as const, ...f, checks, checkedAt };
    }
    return {
      ok: true as const,
      message: 'Connected!' as const,
      edition: extra.edition,
      orgId: extra.orgId,
      apiUsage: { ...extra.apiUsage, percent: usagePercent(extra.apiUsage) },
      checks,
      checkedAt,
    };
  };

  // 1. The token: consumer key and secret, the flow, the Run As user, and IP restrictions.
  let identity: Awaited<ReturnType<SalesforceClient['identity']>>;
  try {
    identity = await client.identity();
  } catch (error) {
    list.failWith(error, 'client_credentials');
    if (classified(error)?.code === 'IP_RESTRICTED')
      list.pass('client_credentials', 'Consumer key and secret accepted.');
    return done();
  }
  list.pass('client_credentials', 'Salesforce issued a token for the Run As user.');
  list.pass('ip_restrictions');
  const runAs = idLiteral(identity.userId);

  // 2. Everything else is independent: sent together (a person is waiting), judged per requirement.
  const probes = collectedObjects.map((object) => client.query(`SELECT Id FROM ${object} LIMIT 1`));
  const [usageCall, orgCall, userCall, assignmentsCall, othersCall, ...objectCalls] =
    await Promise.allSettled([
      client.limits(),
      client.query('SELECT Id, Name, OrganizationType, IsSandbox FROM Organization'),
      client.query(`SELECT Id, Profile.Name, Profile.UserLicense.Name FROM User WHERE Id = ${runAs}`),
      client.query(
        `SELECT PermissionSetId, ${PERMISSIONS.map((p) => `PermissionSet.${p}`).join(', ')} FROM PermissionSetAssignment WHERE AssigneeId = ${runAs}`,
      ),
      client.query(`SELECT Id FROM LoginHistory WHERE UserId != ${runAs} LIMIT 1`),
      ...probes,
    ]);
  const value = <T>(call: PromiseSettledResult<T>, requirement: Requirement): T | undefined => {
    if (call.status === 'fulfilled') return call.value;
    list.failWith(call.reason, requirement);
    return undefined;
  };

  // API Enabled: any REST call answering at all proves it (Salesforce refuses every call otherwise).
  const usage = value(usageCall, 'api_usage');
  const org = value(orgCall, 'edition');
  if (usage || org) list.pass('api_enabled');
  if (usage)
    list.pass(
      'api_usage',
      `API usage ${usage.used.toLocaleString('en-US')} of ${usage.max.toLocaleString('en-US')} in the last 24 hours.`,
    );

  const parsedOrg = organizationSchema.safeParse(org?.records[0]);
  const edition = parsedOrg.success ? (parsedOrg.data.OrganizationType ?? 'Unknown') : 'Unknown';
  if (org) {
    if (SUPPORTED_EDITION.test(edition)) list.pass('edition', edition);
    else {
      list.fail('edition', {
        code: 'EDITION_NOT_SUPPORTED',
        message: `This org is ${edition}. The collector needs Enterprise Edition or above (Enterprise, Unlimited or Performance); Developer, Professional, Group and lower editions are refused.`,
        fix: 'Connect an Enterprise, Unlimited or Performance Edition org (or a sandbox of one); to change edition, contact your Salesforce account executive.',
      });
    }
  }

  const assignments = value(assignmentsCall, 'manage_users');
  if (assignments) {
    const granted = new Set<string>();
    for (const record of assignments.records) {
      const parsed = assignmentSchema.safeParse(record);
      if (!parsed.success) continue;
      for (const p of PERMISSIONS) if (parsed.data.PermissionSet?.[p] === true) granted.add(p);
    }
    if (granted.has('PermissionsApiUserOnly')) list.pass('api_only_user');
    else {
      list.fail('api_only_user', {
        code: 'API_ONLY_USER_MISSING',
        message: 'The Run As user is not an API-only user: it could also sign in to the Salesforce UI.',
        fix: `${RUN_AS_USER}: enable "API Only User" (Salesforce recommends it for the client credentials Run As user).`,
      });
    }
    const internal = granted.has('PermissionsManageInternalUsers') || granted.has('PermissionsManageUsers');
    const external = granted.has('PermissionsManagePartners');
    const others = othersCall.status === 'fulfilled' ? othersCall.value.records.length : 0;
    if (internal && external) list.pass('manage_users');
    else {
      const missing = [
        internal ? null : 'Manage Internal Users',
        external ? null : 'Manage External Users',
      ].filter(Boolean);
      list.fail('manage_users', {
        code: 'LOGIN_HISTORY_NOT_READABLE',
        message: `The Run As user lacks ${missing.join(' and ')}${others === 0 ? ', so it can only see its own login history' : ''}: grant Manage Users (or Monitor Login History) to the Run As user so the collector can read everyone's logins.`,
        fix: RUN_AS_PERMISSIONS,
      });
    }
  }

  const user = value(userCall, 'profile_and_licence');
  if (user) {
    const parsed = runAsSchema.safeParse(user.records[0]);
    const profile = parsed.success ? (parsed.data.Profile?.Name ?? null) : null;
    const licence = parsed.success ? (parsed.data.Profile?.UserLicense?.Name ?? null) : null;
    if (profile === MINIMUM_ACCESS_PROFILE || licence === INTEGRATION_LICENCE) {
      list.fail('profile_and_licence', {
        code: 'INTEGRATION_PROFILE_OR_LICENCE',
        message: `The Run As user is on the profile "${profile}" with the ${licence} licence, which cannot hold Manage Users and so cannot read other users' login history.`,
        fix: 'Setup → Users → the Run As user → Edit: choose a Salesforce licence and a profile other than "Minimum Access - API Only Integrations" (e.g. a clone of Standard User with API Enabled and API Only User), then grant the permissions above.',
      });
    } else list.pass('profile_and_licence', profile && licence ? `${profile} (${licence})` : undefined);
  }

  const unreadable: string[] = [];
  objectCalls.forEach((call, index) => {
    const object = collectedObjects[index]!;
    if (call.status === 'fulfilled') {
      if (object === 'User' && call.value.records.length === 0) unreadable.push(object);
      return;
    }
    if (!(call.reason instanceof SalesforceQueryError) && !(call.reason instanceof SalesforceSetupError))
      throw call.reason;
    unreadable.push(object);
  });
  if (unreadable.length === 0) list.pass('object_access', collectedObjects.join(', '));
  else {
    list.fail('object_access', {
      code: 'OBJECTS_NOT_READABLE',
      message: `The Run As user cannot read ${unreadable.join(', ')}.`,
      fix: RUN_AS_PERMISSIONS,
    });
  }

  if (list.failed || !usage) return done();
  return done({ edition, orgId: identity.orgId, apiUsage: usage });
}

function classified(error: unknown): Failure | null {
  if (error instanceof SalesforceSetupError)
    return { code: error.code, message: error.message, fix: error.fix };
  if (error instanceof SalesforceDailyLimitError) {
    return {
      code: 'DAILY_API_LIMIT_REACHED',
      message: error.message,
      fix: "Wait until the org's rolling 24-hour API usage falls (Setup → System Overview → API Requests, Last 24 Hours), or buy API call add-ons.",
    };
  }
  if (error instanceof SalesforceQueryError) {
    return {
      code: 'QUERY_REJECTED',
      message: `Salesforce refused a connectivity query: ${error.message}`,
      fix: RUN_AS_PERMISSIONS,
    };
  }
  if (error instanceof SalesforceRequestError) {
    return {
      code: 'REQUEST_REJECTED',
      message: error.message,
      fix: "Check that the Salesforce URL is the org's My Domain URL (Setup → My Domain) and that the org supports API version 62.0.",
    };
  }
  return null;
}
