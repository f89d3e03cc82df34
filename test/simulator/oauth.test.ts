import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, tokenRequest, type TestOrg, type TokenBody } from './harness';

describe('OAuth 2.0 client credentials at <My Domain>/services/oauth2/token', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg();
  });
  afterAll(() => t.close());

  const credentials = () => ({
    grant_type: 'client_credentials',
    client_id: t.org.consumerKey,
    client_secret: t.org.consumerSecret,
  });

  it('issues the documented success body for a form-encoded request', async () => {
    const reply = await tokenRequest(t.org.salesforceUrl, credentials());
    expect(reply.status).toBe(200);
    const body = reply.json as TokenBody;
    expect(body.access_token.startsWith(`${t.org.orgId.slice(0, 15)}!`)).toBe(true);
    expect(body.instance_url).toBe(t.org.salesforceUrl);
    expect(body.id).toBe(`${t.org.salesforceUrl}/id/${t.org.orgId}/${t.org.runAsUserId}`);
    expect(body.token_type).toBe('Bearer');
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.signature).toBe(
      createHmac('sha256', t.org.consumerSecret)
        .update(body.id + body.issued_at)
        .digest('base64'),
    );
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('expires_in');
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${t.org.consumerKey}:${t.org.consumerSecret}`).toString('base64');
    const reply = await tokenRequest(
      t.org.salesforceUrl,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    );
    expect(reply.status).toBe(200);
    expect((reply.json as TokenBody).token_type).toBe('Bearer');
  });

  it('rejects an unknown consumer key', async () => {
    const reply = await tokenRequest(t.org.salesforceUrl, { ...credentials(), client_id: '3MVG9unknown' });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
  });

  it('rejects a wrong consumer secret', async () => {
    const reply = await tokenRequest(t.org.salesforceUrl, { ...credentials(), client_secret: 'nope' });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
  });

  it('rejects a missing grant type', async () => {
    const reply = await tokenRequest(t.org.salesforceUrl, { client_id: t.org.consumerKey });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'invalid_request', error_description: 'grant type is missing' });
  });

  it('refuses token requests on the server root (the login.salesforce.com analogue)', async () => {
    const reply = await tokenRequest(t.url, credentials());
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      error: 'invalid_grant',
      error_description: 'request not supported on this domain',
    });
  });

  it('refuses when no run-as user is set, and when the flow is disabled', async () => {
    t.control.configureOrg('acme', { runAsUser: false });
    const noUser = await tokenRequest(t.org.salesforceUrl, credentials());
    expect(noUser.status).toBe(400);
    expect(noUser.json).toEqual({
      error: 'invalid_grant',
      error_description: 'no client credentials user enabled',
    });
    t.control.configureOrg('acme', { runAsUser: true, clientCredentialsEnabled: false });
    const disabled = await tokenRequest(t.org.salesforceUrl, credentials());
    expect(disabled.status).toBe(400);
    expect(disabled.json).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
    t.control.configureOrg('acme', { clientCredentialsEnabled: true });
    expect((await tokenRequest(t.org.salesforceUrl, credentials())).status).toBe(200);
  });

  it('expires sessions after the inactivity timeout on the simulator clock; each call resets it', async () => {
    t.control.configureOrg('acme', { sessionTimeoutMinutes: 30 });
    const token = await t.token();
    t.control.advanceClock(20 * 60_000);
    expect((await t.get('/services/data/v62.0/limits', { token })).status).toBe(200);
    t.control.advanceClock(20 * 60_000);
    expect((await t.get('/services/data/v62.0/limits', { token })).status).toBe(200);
    t.control.advanceClock(31 * 60_000);
    const expired = await t.get('/services/data/v62.0/limits', { token });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    t.control.configureOrg('acme', { sessionTimeoutMinutes: 120 });
  });

  it('revoked tokens get 401 INVALID_SESSION_ID and a new token works', async () => {
    const token = await t.token();
    expect(t.control.revokeTokens('acme').revoked).toBeGreaterThan(0);
    const reply = await t.get('/services/data/v62.0/limits', { token });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect((await t.get('/services/data/v62.0/limits', { token: await t.token() })).status).toBe(200);
  });

  it('serves the identity URL for the run-as user, and counts token requests', async () => {
    const reply = await tokenRequest(t.org.salesforceUrl, credentials());
    const body = reply.json as TokenBody;
    const identity = await t.get(body.id, { token: body.access_token });
    expect(identity.status).toBe(200);
    expect(identity.json).toMatchObject({ user_id: t.org.runAsUserId, organization_id: t.org.orgId });
    const counters = t.control.counters('acme');
    expect(counters.tokenRequests).toBeGreaterThanOrEqual(10);
    expect(counters.errors.invalid_client_id).toBe(1);
  });
});
