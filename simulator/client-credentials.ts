import type { CreatedOrg } from './control/control';

/**
 * The OAuth 2.0 client credentials token request for a simulated org, as a client outside the collector sends it
 * (a form POST to {My Domain}/services/oauth2/token with the connected app's key and secret; Salesforce:
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm). Usable
 * with fetch, undici's request or a Hono app's request.
 */
export function clientCredentialsRequest(
  org: Pick<CreatedOrg, 'salesforceUrl' | 'consumerKey' | 'consumerSecret'>,
) {
  return {
    url: `${org.salesforceUrl}/services/oauth2/token`,
    init: {
      method: 'POST' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: org.consumerKey,
        client_secret: org.consumerSecret,
      }).toString(),
    },
  };
}
