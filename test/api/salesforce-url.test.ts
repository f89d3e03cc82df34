import { describe, expect, it } from 'vitest';
import { checkSalesforceUrl } from '../../api/salesforce-url';

const strict = { allowLocal: false };
const local = { allowLocal: true };

describe('Salesforce URL SSRF guard', () => {
  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://ACME.My.Salesforce.com/', 'https://acme.my.salesforce.com'],
    ['  https://acme.my.salesforce.com/  ', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com:443', 'https://acme.my.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://acme--uat.sandbox.my.salesforce.com'],
    ['https://acme-dev-ed.develop.my.salesforce.com/', 'https://acme-dev-ed.develop.my.salesforce.com'],
  ])('accepts My Domain URL %s as %s', (input, normalised) => {
    expect(checkSalesforceUrl(input, strict)).toEqual({ ok: true, url: normalised });
  });

  it.each([
    ['http://acme.my.salesforce.com', /https/],
    ['https://login.salesforce.com', /My Domain/],
    ['https://test.salesforce.com/', /My Domain/],
    ['https://10.0.0.1', /IP addresses/],
    ['https://[::1]', /IP addresses/],
    ['https://169.254.169.254/latest/meta-data', /IP addresses/],
    ['https://user:pass@acme.my.salesforce.com', /user name or password/],
    ['https://acme.my.salesforce.com:8443', /port/],
    ['https://acme.my.salesforce.com/services/oauth2/token', /without a path/],
    ['https://acme.my.salesforce.com/?x=1', /query string/],
    ['https://acme.my.salesforce.com/?', /query string/],
    ['https://acme.my.salesforce.com/#frag', /query string or fragment/],
    ['https://acme.my.salesforce.com.evil.com', /Not a Salesforce My Domain host/],
    ['https://evil.com/acme.my.salesforce.com', /without a path/],
    ['https://evil.com\\@acme.my.salesforce.com', /without a path/],
    ['https://my.salesforce.com', /Not a Salesforce My Domain host/],
    ['https://a.b.my.salesforce.com', /Not a Salesforce My Domain host/],
    ['https://acme.my.salesforce.com.', /Not a Salesforce My Domain host/],
    ['https://acme.lightning.force.com', /Not a Salesforce My Domain host/],
    ['not a url', /Not a URL/],
    ['file:///etc/passwd', /https/],
  ])('rejects %s', (input, reason) => {
    const check = checkSalesforceUrl(input, strict);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('accepts the local simulator only when allowed, normalised', () => {
    expect(checkSalesforceUrl('http://127.0.0.1:4010/orgs/acme/', local)).toEqual({
      ok: true,
      url: 'http://127.0.0.1:4010/orgs/acme',
    });
    expect(checkSalesforceUrl('http://LOCALHOST:4010/orgs/o_1', local)).toEqual({
      ok: true,
      url: 'http://localhost:4010/orgs/o_1',
    });
    expect(checkSalesforceUrl('http://127.0.0.1:4010/orgs/acme', strict).ok).toBe(false);
    expect(checkSalesforceUrl('http://127.0.0.1:4010/admin', local).ok).toBe(false);
    expect(checkSalesforceUrl('http://127.0.0.1:4010/orgs/acme?x=1', local).ok).toBe(false);
    expect(checkSalesforceUrl('http://10.0.0.5:4010/orgs/acme', local).ok).toBe(false);
  });
});
