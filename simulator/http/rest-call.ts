import type { Context } from 'hono';
import { checkVersion } from '../api-versions';
import { bump, type Endpoint } from '../org/counters';
import type { Org } from '../org/org';
import type { Session } from '../org/token-store';
import type { SimulatorState } from '../state';
import { userApiEnabled } from './access';
import { acceptsGzip, REST_ERRORS, sendJson } from './responses';

export interface RestCall {
  org: Org;
  session: Session;
  version: string;
  now: number;
}

export type RestResult = { status: number; body: unknown; records?: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function limitInfo(org: Org, now: number): Record<string, string> {
  // "Sforce-Limit-Info: api-usage=USED/MAX" on every REST response but the Versions URI (headers_api_usage).
  return { 'Sforce-Limit-Info': `api-usage=${org.usage.used(now)}/${org.config.dailyApiMax}` };
}

/**
 * The path every `/services/data/vXX.X/...` request takes before its handler, in Salesforce's order of
 * refusal: version, availability, session, org API access, user API access, concurrency, daily allocation.
 * Only requests that pass all of these are counted against the rolling 24-hour allocation.
 */
export async function handleRestCall(
  c: Context,
  state: SimulatorState,
  endpoint: Endpoint,
  handler: (call: RestCall) => RestResult | Promise<RestResult>,
): Promise<Response> {
  const org = state.orgs.get(c.req.param('org') ?? '');
  if (!org) return sendJson(REST_ERRORS.notFound(), { status: 404 });
  bump(org.counters.endpoints, endpoint);
  const gzip = acceptsGzip(c.req.header('Accept-Encoding'));
  const fail = (
    status: number,
    body: ReturnType<(typeof REST_ERRORS)[keyof typeof REST_ERRORS]>,
    headers?: Record<string, string>,
  ) => {
    bump(org.counters.errors, body[0].errorCode);
    return sendJson(body, { status, gzip, ...(headers ? { headers } : {}) });
  };

  const versionSegment = c.req.param('version') ?? '';
  const version = checkVersion(versionSegment);
  if (version.kind === 'retired') return fail(410, REST_ERRORS.retiredVersion(versionSegment.slice(1)));
  if (version.kind === 'unknown') return fail(404, REST_ERRORS.notFound());

  org.inflight++;
  try {
    const { faults } = org;
    if (faults.latencyMs > 0 || faults.latencyJitterMs > 0) {
      bump(org.counters.faultsInjected, 'latency');
      await sleep(faults.latencyMs + org.faultRandom.next() * faults.latencyJitterMs);
    }
    if (faults.unavailableRate > 0 && org.faultRandom.chance(faults.unavailableRate)) {
      bump(org.counters.faultsInjected, 'unavailable');
      return fail(503, REST_ERRORS.serverUnavailable());
    }

    const authorization = c.req.header('Authorization') ?? '';
    const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(authorization);
    if (!match) return fail(401, REST_ERRORS.invalidAuthHeader());
    if (faults.revokeTokensEveryCalls !== null && ++org.callsSinceRevoke >= faults.revokeTokensEveryCalls) {
      org.callsSinceRevoke = 0;
      bump(org.counters.faultsInjected, 'revokeTokens');
      org.tokens.revokeAll();
    }
    const now = state.clock.now();
    const session = org.tokens.use(match[1]!, now);
    if (!session) return fail(401, REST_ERRORS.invalidSession());

    // "If you send an API request to an org without API access" (REST API, compatible editions).
    if (!org.config.apiEnabled || faults.apiDisabled) return fail(403, REST_ERRORS.apiDisabledForOrg());
    if (!userApiEnabled(org, session.userRow)) return fail(403, REST_ERRORS.apiDisabledForUser());

    const overConcurrency =
      faults.maxConcurrentRequests !== null && org.inflight > faults.maxConcurrentRequests;
    if (
      overConcurrency ||
      (faults.concurrencyLimitRate > 0 && org.faultRandom.chance(faults.concurrencyLimitRate))
    ) {
      bump(org.counters.faultsInjected, 'concurrencyLimit');
      return fail(403, REST_ERRORS.concurrentRequests(), limitInfo(org, now));
    }
    if (org.usage.used(now) >= org.config.dailyApiMax)
      return fail(403, REST_ERRORS.totalRequests(), limitInfo(org, now));
    org.usage.add(now, 1);
    org.counters.apiCallsCounted++;

    const result = await handler({ org, session, version: version.version, now });
    if (result.status >= 400 && Array.isArray(result.body)) {
      const first = (result.body as { errorCode?: string }[])[0];
      if (first?.errorCode) bump(org.counters.errors, first.errorCode);
    }
    org.counters.recordsServed += result.records ?? 0;
    const headers = limitInfo(org, now);
    if (faults.dropConnectionRate > 0 && org.faultRandom.chance(faults.dropConnectionRate)) {
      bump(org.counters.faultsInjected, 'dropConnection');
      const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
      return sendJson(result.body, {
        status: result.status,
        gzip,
        headers,
        drop: outgoing ? { destroy: () => outgoing.destroy() } : {},
      });
    }
    return sendJson(result.body, { status: result.status, gzip, headers });
  } finally {
    org.inflight--;
  }
}
