import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { bump } from '../org/counters';
import type { Org } from '../org/org';
import type { SimulatorState } from '../state';
import { orgBasePath } from '../state';

type OAuthError = { error: string; error_description: string };

/** Token endpoint errors (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm); Salesforce answers them with 400. */
export const OAUTH_ERRORS = {
  wrongDomain: { error: 'invalid_grant', error_description: 'request not supported on this domain' },
  missingGrantType: { error: 'invalid_request', error_description: 'grant type is missing' },
  unsupportedGrantType: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
  unknownClient: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
  badSecret: { error: 'invalid_client', error_description: 'invalid client credentials' },
  noRunAsUser: { error: 'invalid_grant', error_description: 'no client credentials user enabled' },
  // The app enforces IP restrictions (or the run-as user's profile has Login IP Ranges) and the caller's
  // address is outside them; LoginHistory records "Failed: IP Address Not Allowed" (LOGIN_OAUTH_INVALID_IP).
  ipRestricted: { error: 'invalid_grant', error_description: 'ip restricted' },
} satisfies Record<string, OAuthError>;

function oauthError(error: OAuthError, org?: Org): Response {
  if (org) bump(org.counters.errors, error.error);
  return Response.json(error, { status: 400, headers: { 'Cache-Control': 'no-store' } });
}

async function credentials(
  c: Context,
): Promise<{ grantType?: string; clientId?: string; clientSecret?: string }> {
  const contentType = c.req.header('Content-Type') ?? '';
  const form: Record<string, string> = {};
  if (/application\/x-www-form-urlencoded|multipart\/form-data/i.test(contentType)) {
    for (const [key, value] of Object.entries(await c.req.parseBody()))
      if (typeof value === 'string') form[key] = value;
  }
  for (const [key, value] of new URL(c.req.url).searchParams) form[key] ??= value;
  let clientId = form.client_id;
  let clientSecret = form.client_secret;
  // HTTP Basic (client_id:client_secret) is accepted too (Salesforce Postman collection, client credentials).
  const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      clientId ??= decodeURIComponent(decoded.slice(0, colon));
      clientSecret ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  return { grantType: form.grant_type, clientId, clientSecret };
}

/** A token request to the server root: the login.salesforce.com analogue, which refuses client credentials. */
export function rootTokenEndpoint(): Response {
  return oauthError(OAUTH_ERRORS.wrongDomain);
}

export async function tokenEndpoint(c: Context, state: SimulatorState): Promise<Response> {
  const org = state.orgs.get(c.req.param('org') ?? '');
  if (!org) return await c.notFound();
  bump(org.counters.endpoints, 'token');
  org.counters.tokenRequests++;
  const { grantType, clientId, clientSecret } = await credentials(c);
  const { config } = org;
  if (!grantType) return oauthError(OAUTH_ERRORS.missingGrantType, org);
  if (grantType !== 'client_credentials') return oauthError(OAUTH_ERRORS.unsupportedGrantType, org);
  if (clientId !== config.consumerKey) return oauthError(OAUTH_ERRORS.unknownClient, org);
  if (clientSecret !== config.consumerSecret) return oauthError(OAUTH_ERRORS.badSecret, org);
  if (!config.clientCredentialsEnabled) return oauthError(OAUTH_ERRORS.unsupportedGrantType, org);
  if (!config.runAsUser || org.runAsRow < 0) return oauthError(OAUTH_ERRORS.noRunAsUser, org);
  if (config.ipRestricted) return oauthError(OAUTH_ERRORS.ipRestricted, org);

  const now = state.clock.now();
  const session = org.tokens.issue(org.runAsRow, now);
  org.counters.tokensIssued++;
  const instanceUrl = `${new URL(c.req.url).origin}${orgBasePath(config.key)}`;
  const userId = String(org.data.records.User.rows[org.runAsRow]!.Id);
  const id = `${instanceUrl}/id/${org.data.orgId}/${userId}`;
  const issuedAt = String(now);
  // signature = Base64(HMAC-SHA256(id + issued_at, consumer secret)), so clients can verify the response.
  const signature = createHmac('sha256', config.consumerSecret)
    .update(id + issuedAt)
    .digest('base64');
  return Response.json(
    {
      access_token: session.token,
      signature,
      scope: 'api',
      instance_url: instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    },
    { status: 200, headers: { 'Cache-Control': 'no-store' } },
  );
}

/** The identity URL returned as `id`; it needs the access token but is not a counted REST call. */
export function identity(c: Context, state: SimulatorState): Response | Promise<Response> {
  const org = state.orgs.get(c.req.param('org') ?? '');
  if (!org) return c.notFound();
  bump(org.counters.endpoints, 'identity');
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '');
  const session = match ? org.tokens.use(match[1]!, state.clock.now()) : undefined;
  if (!session) return new Response('Bad_OAuth_Token', { status: 403 });
  const user = org.data.records.User.rows[session.userRow]!;
  const base = `${new URL(c.req.url).origin}${orgBasePath(org.config.key)}`;
  return Response.json({
    id: `${base}/id/${org.data.orgId}/${user.Id}`,
    asserted_user: true,
    user_id: user.Id,
    organization_id: org.data.orgId,
    username: user.Username,
    display_name: user.Name,
    email: user.Email,
    active: user.IsActive,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    urls: {
      rest: `${base}/services/data/v{version}/`,
      query: `${base}/services/data/v{version}/query/`,
      limits: `${base}/services/data/v{version}/limits`,
    },
    last_modified_date: new Date(Number(user.LastModifiedDate)).toISOString().replace('Z', '+0000'),
  });
}
