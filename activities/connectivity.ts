import { z } from 'zod';
import type { ActivityDependencies } from './dependencies';
import type { ConnectivityResult } from '../workflows/definitions';
import { loadIntegration } from './integration-repository';
import {
  SalesforceDailyLimitError,
  SalesforceQueryError,
  SalesforceRequestError,
  SalesforceSetupError,
  toActivityFailure,
} from './salesforce/errors';
import type { SalesforceClient } from './salesforce/client';
import { usagePercent } from './salesforce/limit-info';
import { idLiteral } from './salesforce/soql';

const RUN_AS_PERMISSIONS =
  'Setup → Permission Sets → New (e.g. "Identity Collector") → System Permissions: enable "Manage Users" (or "Monitor Login History") and "View Setup and Configuration"; then Manage Assignments → add the Run As user (Setup → App Manager → your app → Manage → Edit Policies → Client Credentials Flow → Run As).';

const organizationSchema = z.looseObject({
  Id: z.string(),
  Name: z.string().nullish(),
  OrganizationType: z.string().nullish(),
  IsSandbox: z.boolean().nullish(),
});
const assignmentSchema = z.looseObject({
  PermissionSet: z.looseObject({ PermissionsManageUsers: z.boolean().nullish() }).nullish(),
});

/**
 * Editions whose API access is included (intro-rest-compatible-editions.md). Professional works only with the
 * API add-on; if we got this far, its API calls already succeeded, so it has the add-on.
 */
const SUPPORTED_EDITION = /enterprise|unlimited|performance|developer|professional/i;

export function createConnectivityActivities(deps: ActivityDependencies) {
  return {
    /**
     * Test Connectivity: each check mirrors something collection needs. A classified problem (credentials,
     * setup, permissions, edition) is the *result*, not an activity failure; only transient trouble throws,
     * so Temporal retries it.
     */
    async testConnectivity(input: { integrationId: string }): Promise<ConnectivityResult> {
      const { connection } = await loadIntegration(deps, input.integrationId);
      const client = deps.salesforce(connection);
      const log = deps.logger.child({ integrationId: input.integrationId, activity: 'testConnectivity' });
      let result: ConnectivityResult;
      try {
        result = await runChecks(client, () => deps.now().toISOString());
      } catch (error) {
        const failure = classified(error, deps.now().toISOString());
        if (!failure) {
          log.warn('connectivity test hit a transient problem', { error });
          throw toActivityFailure(error);
        }
        result = failure;
      }
      log.info('connectivity tested', {
        ok: result.ok,
        code: result.ok ? null : result.code,
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

async function runChecks(client: SalesforceClient, checkedAt: () => string): Promise<ConnectivityResult> {
  // 1. Token: credentials, flow enabled, Run As user (errors are classified by the client).
  const identity = await client.identity();

  // The next four calls are independent: sent together, a check costs about two round trips instead of five
  // (a person is waiting on it). Their outcomes are still judged in this order, so the first failing step is
  // the one reported, as if they had run one by one.
  const [usageCall, orgCall, usersCall, othersCall] = await Promise.allSettled([
    client.limits(),
    client.query('SELECT Id, Name, OrganizationType, IsSandbox FROM Organization'),
    client.query('SELECT Id FROM User LIMIT 1'),
    client.query(`SELECT Id FROM LoginHistory WHERE UserId != ${idLiteral(identity.userId)} LIMIT 1`),
  ]);
  const settled = <T>(call: PromiseSettledResult<T>): T => {
    if (call.status === 'rejected') throw call.reason;
    return call.value;
  };

  // 2. /limits: needs View Setup and Configuration; collection reads it to respect the quota.
  const usage = settled(usageCall);

  // 3. Edition.
  const org = settled(orgCall);
  const orgRecord = organizationSchema.safeParse(org.records[0]);
  const edition = orgRecord.success ? (orgRecord.data.OrganizationType ?? 'Unknown') : 'Unknown';
  if (!SUPPORTED_EDITION.test(edition)) {
    return failure(
      'EDITION_NOT_SUPPORTED',
      `This org is ${edition}, which has no Salesforce API access. The collector needs Enterprise Edition or above (Enterprise, Unlimited, Performance), Developer Edition, or Professional Edition with the API add-on.`,
      'Upgrade to Enterprise Edition or above, or ask your Salesforce account executive for the API add-on (Professional Edition).',
      checkedAt(),
    );
  }

  // 4. User readable.
  const users = settled(usersCall);
  if (users.records.length === 0) {
    return failure(
      'USERS_NOT_READABLE',
      'The Run As user cannot see any User records.',
      RUN_AS_PERMISSIONS,
      checkedAt(),
    );
  }

  // 5. LoginHistory of *other* users: without Manage Users / Monitor Login History Salesforce silently returns
  // only the caller's own rows (API 37.0+, LoginHistory object reference), so an empty answer is ambiguous:
  // confirm through the Run As user's permission sets before failing.
  const others = settled(othersCall);
  if (others.records.length === 0) {
    const assignments = await client.query(
      `SELECT PermissionSetId, PermissionSet.PermissionsManageUsers FROM PermissionSetAssignment WHERE AssigneeId = ${idLiteral(identity.userId)}`,
    );
    const canManageUsers = assignments.records.some((record) => {
      const parsed = assignmentSchema.safeParse(record);
      return parsed.success && parsed.data.PermissionSet?.PermissionsManageUsers === true;
    });
    if (!canManageUsers) {
      return failure(
        'LOGIN_HISTORY_NOT_READABLE',
        "The Run As user can only see its own login history: grant Manage Users (or Monitor Login History) to the Run As user so the collector can read everyone's logins.",
        RUN_AS_PERMISSIONS,
        checkedAt(),
      );
    }
  }

  return {
    ok: true,
    message: 'Connected!',
    edition,
    orgId: identity.orgId,
    apiUsage: { used: usage.used, max: usage.max, percent: usagePercent(usage) },
    checkedAt: checkedAt(),
  };
}

function failure(code: string, message: string, fix: string, checkedAt: string): ConnectivityResult {
  return { ok: false, code, message, fix, checkedAt };
}

function classified(error: unknown, checkedAt: string): ConnectivityResult | null {
  if (error instanceof SalesforceSetupError) return failure(error.code, error.message, error.fix, checkedAt);
  if (error instanceof SalesforceDailyLimitError) {
    return failure(
      'DAILY_API_LIMIT_REACHED',
      error.message,
      "Wait until the org's rolling 24-hour API usage falls (Setup → System Overview → API Requests, Last 24 Hours), or buy API call add-ons.",
      checkedAt,
    );
  }
  if (error instanceof SalesforceQueryError) {
    return failure(
      'QUERY_REJECTED',
      `Salesforce refused a connectivity query: ${error.message}`,
      RUN_AS_PERMISSIONS,
      checkedAt,
    );
  }
  if (error instanceof SalesforceRequestError) {
    return failure(
      'REQUEST_REJECTED',
      error.message,
      "Check that the Salesforce URL is the org's My Domain URL (Setup → My Domain) and that the org supports API version 62.0.",
      checkedAt,
    );
  }
  return null;
}
