import {
  InvalidQueryLocatorError,
  SalesforceConcurrencyLimitError,
  SalesforceDailyLimitError,
  SalesforceQueryError,
  SalesforceRequestError,
  SalesforceSetupError,
  SalesforceTransientError,
  type SalesforceError,
} from './errors';
import type { ApiUsage } from './limit-info';
import { restErrorSchema } from './schemas';

const RUN_AS =
  'Setup → App Manager → (your connected app) → Manage → Edit Policies → Client Credentials Flow → Run As';

/** The first `{errorCode, message}` of a REST error body, if it has that shape (errorcodes.htm). */
export function readRestError(body: string): { errorCode: string; message: string } | null {
  try {
    const parsed = restErrorSchema.safeParse(JSON.parse(body));
    return parsed.success && parsed.data[0] ? parsed.data[0] : null;
  } catch {
    return null;
  }
}

/**
 * Maps a non-2xx REST response to a typed error (status codes and error bodies:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm). `usage` is the Sforce-Limit-Info of the same response, used to tell the daily cap from the
 * concurrency limit: both are REQUEST_LIMIT_EXCEEDED (salesforce-app-limits-platform-api).
 */
export function classifyRestError(
  status: number,
  body: string,
  usage: ApiUsage | null,
  endpoint: string,
): SalesforceError {
  const error = readRestError(body);
  const code = error?.errorCode ?? null;
  const message = error?.message ?? '';
  if (status >= 500) {
    return new SalesforceTransientError(
      `Salesforce answered ${status}${code ? ` ${code}` : ''} on ${endpoint}`,
      status,
      code,
    );
  }
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED': {
      const daily = /TotalRequests/i.test(message) || (usage !== null && usage.used >= usage.max);
      if (daily) return new SalesforceDailyLimitError(usage?.used ?? null, usage?.max ?? null);
      return new SalesforceConcurrencyLimitError(
        `Salesforce concurrency limit reached (${message || code}); too many long-running requests in the org`,
      );
    }
    case 'API_DISABLED_FOR_ORG':
      if (/limits/i.test(message)) return limitsNotReadable(message);
      return new SalesforceSetupError(
        'API_DISABLED_FOR_ORG',
        `The REST API is not enabled for this Salesforce org (${message}).`,
        'API access needs Enterprise, Unlimited, Performance or Developer Edition, or Professional Edition with the API add-on: ask your Salesforce account executive to enable API access.',
      );
    case 'API_CURRENTLY_DISABLED':
      return new SalesforceSetupError(
        'API_DISABLED_FOR_USER',
        `The Run As user is not allowed to use the API (${message}).`,
        `Setup → Users → (the Run As user) → Profile or a permission set → System Permissions: enable "API Enabled" (or pick another user in ${RUN_AS}).`,
      );
    case 'INSUFFICIENT_ACCESS':
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
      return new SalesforceSetupError(
        'INSUFFICIENT_ACCESS',
        `The Run As user lacks a permission Salesforce requires here (${endpoint}: ${message}).`,
        'Setup → Permission Sets → New (or edit the Run As user\'s): enable "View Setup and Configuration" and "Manage Users" (or "Monitor Login History"), then assign it to the Run As user.',
      );
    case 'INVALID_QUERY_LOCATOR':
      return new InvalidQueryLocatorError(`Query locator is no longer valid (${message || code})`);
    case 'MALFORMED_QUERY':
    case 'INVALID_FIELD':
    case 'INVALID_TYPE':
      return new SalesforceQueryError(code, message);
    case 'QUERY_TIMEOUT':
    case 'SERVER_UNAVAILABLE':
    case 'UNABLE_TO_LOCK_ROW':
      return new SalesforceTransientError(`Salesforce ${code} on ${endpoint}: ${message}`, status, code);
    case 'INVALID_SESSION_ID':
      if (/not valid for use with the REST API/i.test(message)) {
        return new SalesforceSetupError(
          'API_SCOPE_MISSING',
          `Salesforce issued a token that cannot call the REST API (${message}).`,
          'Setup → App Manager → (your connected app) → Edit → Selected OAuth Scopes: add "Manage user data via APIs (api)", save, and wait a few minutes.',
        );
      }
      // A fresh token rejected again: rare (session revoked in between); a later attempt mints anew.
      return new SalesforceTransientError(
        `Salesforce rejected a freshly minted session (${message})`,
        status,
        code,
      );
    default:
      return new SalesforceRequestError(
        `Salesforce answered ${status}${code ? ` ${code}` : ''} on ${endpoint}${message ? `: ${message}` : ''}`,
        status,
        code,
      );
  }
}

export function limitsNotReadable(message: string): SalesforceSetupError {
  return new SalesforceSetupError(
    'LIMITS_NOT_READABLE',
    `The Run As user cannot read the org's API limits (${message}); the collector needs them to stay within your quota.`,
    'Setup → Permission Sets → (a permission set assigned to the Run As user) → System Permissions: enable "View Setup and Configuration".',
  );
}
