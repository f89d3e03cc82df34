import type { Dispatcher } from 'undici';
import { checkSalesforceUrl, type LocalSalesforceUrls } from '../platform/salesforce-url';
import { SalesforceSetupError, SalesforceTransientError } from './errors';
import { send } from './http';
import { tokenErrorSchema, tokenResponseSchema } from './schemas';

export interface SalesforceToken {
  accessToken: string;
  instanceUrl: string;
  /** From the identity URL `.../id/<orgId>/<userId>`: the org and the Run As (execution) user. */
  orgId: string;
  userId: string;
  mintedAt: number;
}

export interface TokenRequest {
  salesforceUrl: string;
  consumerKey: string;
  consumerSecret: string;
}

const APP_PATH = 'Setup → App Manager → (your connected app) → Manage';

export interface MintOptions {
  timeoutMs: number;
  /** Local simulator mode (ALLOW_LOCAL_SALESFORCE_URLS): the same switch the API's URL guard uses. */
  allowLocal: LocalSalesforceUrls;
  signal?: AbortSignal;
}

/**
 * The stored org URL, re-checked in the worker right before the consumer secret is POSTed to it: a row
 * written while local mode was on, or by anyone with database access, must not send the secret elsewhere.
 */
export function checkedOrgUrl(salesforceUrl: string, allowLocal: LocalSalesforceUrls): string {
  const check = checkSalesforceUrl(salesforceUrl, { allowLocal });
  if (check.ok) return check.url;
  throw new SalesforceSetupError(
    'URL_REFUSED',
    `The stored Salesforce URL was refused, so the consumer secret was not sent: ${check.reason}.`,
    'Create the integration again with the org\'s My Domain URL from Setup → My Domain → "Current My Domain URL", e.g. https://acme.my.salesforce.com.',
  );
}

/**
 * `instance_url` decides where every later call and its bearer token go, so it passes the same guard as the
 * stored URL before it is used (OWASP SSRF Prevention Cheat Sheet: validate each destination, not only the
 * first). In local mode it must also stay on the stored URL's origin, so a local token endpoint cannot point
 * the worker at another local service.
 */
function checkedInstanceUrl(instanceUrl: string, orgUrl: string, allowLocal: LocalSalesforceUrls): string {
  const check = checkSalesforceUrl(instanceUrl, { allowLocal });
  const sameOriginInLocalMode =
    check.ok && (allowLocal === false || new URL(check.url).origin === new URL(orgUrl).origin);
  if (check.ok && sameOriginInLocalMode) return check.url;
  throw new SalesforceSetupError(
    'URL_REFUSED',
    `Salesforce's token response named an instance_url the collector refuses to call (${check.ok ? 'not the org URL' : check.reason}); the access token was not used.`,
    'Check that the org URL is the My Domain URL from Setup → My Domain and that no proxy rewrites Salesforce responses between the worker and Salesforce.',
  );
}

/**
 * OAuth 2.0 client credentials against the org's own My Domain (login.salesforce.com refuses this grant with
 * "request not supported on this domain"). Form body per the official example (chatterapi
 * quickstart_connecting.htm); the response has no expires_in and no refresh token, so a 401 means "mint again".
 */
export async function mintToken(
  dispatcher: (url: string) => Dispatcher,
  req: TokenRequest,
  { timeoutMs, allowLocal, signal }: MintOptions,
): Promise<SalesforceToken> {
  const orgUrl = checkedOrgUrl(req.salesforceUrl, allowLocal);
  const url = `${orgUrl}/services/oauth2/token`;
  const res = await send(dispatcher(url), {
    url,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'accept-encoding': 'gzip',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: req.consumerKey,
      client_secret: req.consumerSecret,
    }).toString(),
    signal,
    timeoutMs,
  });
  const text = res.body.toString('utf8');
  if (res.status >= 500) {
    throw new SalesforceTransientError(`Salesforce token endpoint answered ${res.status}`, res.status);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    if (res.status === 200)
      throw new SalesforceTransientError('Salesforce token response was not complete JSON', 200);
    throw wrongUrl(res.status);
  }
  if (res.status === 200) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success)
      throw new SalesforceTransientError('Salesforce token response lacked access_token/instance_url/id');
    const identity = parseIdentityUrl(parsed.data.id);
    return {
      accessToken: parsed.data.access_token,
      instanceUrl: checkedInstanceUrl(parsed.data.instance_url, orgUrl, allowLocal),
      orgId: identity.orgId,
      userId: identity.userId,
      mintedAt: Date.now(),
    };
  }
  const error = tokenErrorSchema.safeParse(json);
  if (!error.success) throw wrongUrl(res.status);
  throw classifyTokenError(res.status, error.data.error, error.data.error_description ?? '');
}

function parseIdentityUrl(id: string): { orgId: string; userId: string } {
  const parts = id.split('?')[0]!.split('/').filter(Boolean);
  const userId = parts.at(-1);
  const orgId = parts.at(-2);
  if (!userId || !orgId)
    throw new SalesforceTransientError('Salesforce token response had an unreadable identity URL');
  return { orgId, userId };
}

function wrongUrl(status: number): SalesforceSetupError {
  return new SalesforceSetupError(
    'WRONG_DOMAIN',
    `The Salesforce URL did not answer like a Salesforce token endpoint (HTTP ${status}).`,
    'Use the org\'s My Domain URL from Setup → My Domain → "Current My Domain URL", e.g. https://acme.my.salesforce.com.',
  );
}

/**
 * Token endpoint errors, mapped from the OAuth error bodies Salesforce documents
 * (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm).
 */
export function classifyTokenError(status: number, code: string, description: string): Error {
  const text = description.toLowerCase();
  if (code === 'invalid_client_id') {
    return new SalesforceSetupError(
      'INVALID_CLIENT_ID',
      `Salesforce does not recognise the consumer key (${code}: ${description}).`,
      `${APP_PATH} → View → Manage Consumer Details: copy the Consumer Key exactly into the integration.`,
    );
  }
  if (code === 'invalid_client' || text.includes('invalid client credentials')) {
    return new SalesforceSetupError(
      'INVALID_CLIENT_SECRET',
      `Salesforce rejected the consumer secret (${code}: ${description}).`,
      `${APP_PATH} → View → Manage Consumer Details: copy the Consumer Secret into the integration (reset it there if unsure).`,
    );
  }
  if (text.includes('request not supported on this domain')) {
    return new SalesforceSetupError(
      'WRONG_DOMAIN',
      `Salesforce refuses the client credentials flow on this URL (${description}); login.salesforce.com and test.salesforce.com cannot be used.`,
      'Use the org\'s My Domain URL from Setup → My Domain → "Current My Domain URL", e.g. https://acme.my.salesforce.com.',
    );
  }
  if (text.includes('no client credentials user enabled')) {
    return new SalesforceSetupError(
      'NO_RUN_AS_USER',
      `The connected app has no Run As user for the client credentials flow (${description}).`,
      `${APP_PATH} → Edit Policies → Client Credentials Flow → Run As: choose an active user with API Enabled (enter the Username, not the email).`,
    );
  }
  if (text.includes('ip restricted') || text.includes('ip address not allowed')) {
    return new SalesforceSetupError(
      'IP_RESTRICTED',
      `Salesforce refused the token because the collector's IP address is outside the allowed ranges (${description}).`,
      `${APP_PATH} → Edit Policies → OAuth Policies → IP Relaxation: "Relax IP restrictions", or add the collector's egress IP addresses to the Run As user's profile (Setup → Profiles → the profile → Login IP Ranges) and to Setup → Network Access.`,
    );
  }
  if (text.includes('inactive user') || text.includes('user is inactive')) {
    return new SalesforceSetupError(
      'RUN_AS_USER_INACTIVE',
      `The connected app's Run As user is inactive (${description}).`,
      `${APP_PATH} → Edit Policies → Client Credentials Flow → Run As: choose an active user with API Enabled.`,
    );
  }
  if (code === 'unsupported_grant_type' || /client credentials (flow )?(is )?not enabled/.test(text)) {
    return new SalesforceSetupError(
      'CLIENT_CREDENTIALS_FLOW_DISABLED',
      `The client credentials flow is not enabled on the connected app (${code}: ${description}).`,
      `${APP_PATH} → Edit: under API (Enable OAuth Settings) tick "Enable Client Credentials Flow", save, then Manage → Edit Policies → Client Credentials Flow → Run As: choose an active user with API Enabled.`,
    );
  }
  if (code === 'unknown_error') {
    return new SalesforceTransientError(
      `Salesforce token endpoint asked to retry (${description})`,
      status,
      code,
    );
  }
  return new SalesforceSetupError(
    'TOKEN_REJECTED',
    `Salesforce refused the token request (${code}: ${description}).`,
    `Check ${APP_PATH}: OAuth settings (scope "Manage user data via APIs (api)"), Client Credentials Flow enabled, and an active Run As user.`,
  );
}
