/**
 * SSRF guard for every Salesforce URL: the org URL the API stores, and, in the worker, the stored URL again
 * before the consumer secret is POSTed to it and the token response's `instance_url` before a bearer token is
 * sent to it (OWASP SSRF Prevention Cheat Sheet: allowlist the destination, validate every hop).
 * Only Salesforce My Domain hosts are accepted, in the formats of Salesforce Help "My Domain URL Formats"
 * (help.salesforce.com, products.domain_name_app_url_changes.htm): production `<name>.my.salesforce.com`,
 * sandbox `<name>--<sandbox>.sandbox.my.salesforce.com`, Developer Edition `<name>-dev-ed.develop.my.salesforce.com`,
 * the partitioned scratch, demo, patch and Trailhead playground domains, Government Cloud Plus
 * `*.my.salesforce.mil` and Salesforce on Alibaba Cloud (China) `*.my.sfcrmproducts.cn`.
 * The local simulator (`http://127.0.0.1:<port>/orgs/<key>`) is accepted only when explicitly allowed.
 */
export type SalesforceUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Local simulator mode: off (production), on for the listed loopback ports only (what `npm start` sets for its
 * demo simulator, so a form field cannot point the worker at another local service such as Redis on :6379),
 * or on for any loopback port (test harnesses that start simulators on ephemeral ports).
 */
export type LocalSalesforceUrls = boolean | readonly number[];

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
// One label, an optional partition, then one of the three My Domain suffixes; nothing else.
const PARTITION = '(?:sandbox|develop|scratch|demo|patch|trailblaze)';
const MY_DOMAIN_SUFFIX = '(?:my\\.salesforce\\.com|my\\.salesforce\\.mil|my\\.sfcrmproducts\\.cn)';
const MY_DOMAIN_HOSTS = [new RegExp(`^${LABEL}(?:\\.${PARTITION})?\\.${MY_DOMAIN_SUFFIX}$`)];
const GENERIC_LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com']);
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
const SIMULATOR_PATH = /^\/orgs\/[A-Za-z0-9_-]{1,100}\/?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const MY_DOMAIN_HELP =
  "Use your org's My Domain URL from Setup → My Domain, e.g. https://acme.my.salesforce.com";

export function checkSalesforceUrl(
  input: string,
  { allowLocal }: { allowLocal: LocalSalesforceUrls },
): SalesforceUrlCheck {
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `Not a URL. ${MY_DOMAIN_HELP}` };
  }
  if (url.username || url.password)
    return { ok: false, reason: 'The URL must not contain a user name or password' };
  // URL drops an empty "?" or "#", so look at the raw text as well.
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    return { ok: false, reason: 'The URL must not contain a query string or fragment' };
  }
  const host = url.hostname.toLowerCase();

  if (allowLocal && LOCAL_HOSTS.has(host) && (url.protocol === 'http:' || url.protocol === 'https:')) {
    if (!SIMULATOR_PATH.test(url.pathname)) {
      return { ok: false, reason: 'Local simulator URLs look like http://127.0.0.1:<port>/orgs/<key>' };
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (Array.isArray(allowLocal) && !allowLocal.includes(port)) {
      return {
        ok: false,
        reason: `Local URLs are accepted only on the simulator's port (${allowLocal.join(', ')}); add the port to LOCAL_SALESFORCE_PORTS to allow another`,
      };
    }
    return {
      ok: true,
      url: `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}${url.pathname.replace(/\/$/, '')}`,
    };
  }

  if (url.protocol !== 'https:') return { ok: false, reason: 'Only https:// Salesforce URLs are accepted' };
  if (IPV4.test(host) || host.startsWith('[')) {
    return { ok: false, reason: `IP addresses are not accepted. ${MY_DOMAIN_HELP}` };
  }
  if (url.port) return { ok: false, reason: 'The URL must not name a port' };
  if (url.pathname !== '/') {
    return {
      ok: false,
      reason: 'The URL must be the org root, without a path (e.g. https://acme.my.salesforce.com)',
    };
  }
  if (GENERIC_LOGIN_HOSTS.has(host)) {
    return {
      ok: false,
      reason: `${host} is the generic login host, not your org. ${MY_DOMAIN_HELP}`,
    };
  }
  if (!MY_DOMAIN_HOSTS.some((pattern) => pattern.test(host))) {
    return {
      ok: false,
      reason: `Not a Salesforce My Domain host (*.my.salesforce.com, *.sandbox.my.salesforce.com, *.develop.my.salesforce.com, *.my.salesforce.mil or *.my.sfcrmproducts.cn). ${MY_DOMAIN_HELP}`,
    };
  }
  return { ok: true, url: `https://${host}` };
}
