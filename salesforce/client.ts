import type { Dispatcher } from 'undici';
import { localSalesforceUrlsAllowed } from '../platform/env';
import type { LocalSalesforceUrls } from '../platform/salesforce-url';
import type { LookupFunction } from './address-guard';
import { InvalidQueryLocatorError, SalesforceTransientError } from './errors';
import { DispatcherPool, describe, header, send, type HttpResponse } from './http';
import { parseLimitInfo, type ApiUsage } from './limit-info';
import { classifyRestError, limitsNotReadable } from './rest-errors';
import { limitsSchema, queryResultSchema, type QueryResult } from './schemas';
import { mintToken, type SalesforceToken } from './token';
import { TokenCache } from './token-cache';

export type { ApiUsage } from './limit-info';
export type { QueryResult } from './schemas';

export interface SalesforceConnection {
  integrationId: string;
  /** The org's My Domain URL, e.g. https://acme.my.salesforce.com. */
  salesforceUrl: string;
  consumerKey: string;
  consumerSecret: string;
  credentialsVersion: number;
}

export interface SalesforceIdentity {
  orgId: string;
  /** The connected app's Run As (execution) user. */
  userId: string;
  instanceUrl: string;
}

export interface QueryOptions {
  /** Sforce-Query-Options batchSize, 200..2000 (a hint: Salesforce may return fewer). */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface SalesforceClient {
  /** REST calls sent with a valid session (each counts against DailyApiRequests). */
  readonly callsMade: number;
  /** Token requests this client caused (cache hits are free). */
  readonly tokenRequests: number;
  /** The latest daily usage seen, from Sforce-Limit-Info or /limits. */
  readonly lastUsage: ApiUsage | null;
  /**
   * REST calls to this integration's org in flight from this process (every client of the integration), so a
   * quota guard shared by parallel passes can count calls already sent but not yet in any usage figure.
   */
  readonly callsInFlight: number;
  identity(): Promise<SalesforceIdentity>;
  query(soql: string, options?: QueryOptions): Promise<QueryResult>;
  queryMore(nextRecordsUrl: string, options?: QueryOptions): Promise<QueryResult>;
  /**
   * GET /limits: DailyApiRequests as {used, max}; also refreshes lastUsage. A read of this integration's usage
   * that this process started (finished or still in flight) answers instead of a new call when it carries the
   * same `shareKey` (one re-check after one wake-up, asked by every parallel segment), or when it started at
   * most `sharedWithinMs` ago.
   */
  limits(signal?: AbortSignal, options?: { sharedWithinMs?: number; shareKey?: string }): Promise<ApiUsage>;
}

export type SalesforceClientFactory = (connection: SalesforceConnection) => SalesforceClient;

export interface SalesforceClientFactoryOptions {
  apiVersion?: string;
  requestTimeoutMs?: number;
  /** One dispatcher for every origin (tests); otherwise a keep-alive Pool per org origin. */
  dispatcher?: Dispatcher;
  tokenCache?: TokenCache;
  /** Identifies our calls in the org's logs (Sforce-Call-Options, api_rest headers_calloptions.htm). */
  clientName?: string;
  /** Clock that stamps usage figures; must be the same clock the quota guard judges freshness with. */
  now?: () => Date;
  /**
   * Local simulator mode (ALLOW_LOCAL_SALESFORCE_URLS): loopback simulator URLs pass the URL guard and
   * connections may reach private addresses. Composition roots should pass it; when omitted it is read from
   * the same validated variable the API reads, so a worker and an API started from one environment agree and
   * a worker that was not told stays strict unless the operator opted in.
   */
  allowLocalUrls?: LocalSalesforceUrls;
  /** Name resolution for the connect-time address check (tests stand in for DNS); the system resolver otherwise. */
  resolve?: LookupFunction;
  /** Counts calls, errors and org usage for the worker's /metrics. */
  metrics?: SalesforceMetrics;
}

/** What the client reports to Prometheus (worker/metrics.ts). */
export interface SalesforceMetrics {
  /** One REST call that counts against the org's DailyApiRequests. */
  call(endpoint: 'query' | 'limits' | 'other'): void;
  /** A failed call or token request, by error class (SalesforceTransientError, SalesforceAuthError, …). */
  error(kind: string): void;
  /** The org's latest daily API usage. */
  usage(integrationId: string, used: number, max: number): void;
}

const noMetrics: SalesforceMetrics = { call() {}, error() {}, usage() {} };

export type ClosableSalesforceClientFactory = SalesforceClientFactory & {
  readonly tokenCache: TokenCache;
  close(): Promise<void>;
};

export function createSalesforceClientFactory({
  apiVersion = '62.0',
  requestTimeoutMs = 120_000,
  dispatcher,
  tokenCache = new TokenCache(),
  clientName = 'identity-collector',
  now = () => new Date(),
  allowLocalUrls = localSalesforceUrlsAllowed(process.env),
  resolve,
  metrics = noMetrics,
}: SalesforceClientFactoryOptions = {}): ClosableSalesforceClientFactory {
  const pool = new DispatcherPool(dispatcher, {
    allowPrivateAddresses: allowLocalUrls !== false,
    ...(resolve ? { resolve } : {}),
  });
  // The latest usage per integration outlives one activity, so back-to-back objects of a run can reuse a
  // figure read seconds ago instead of each paying a /limits call.
  const usage = new Map<string, ApiUsage>();
  const inFlight = new Map<string, number>();
  const limitsReads = new Map<string, LimitsRead>();
  const factory = (connection: SalesforceConnection) =>
    createClient(connection, {
      apiVersion,
      requestTimeoutMs,
      pool,
      tokenCache,
      clientName,
      usage,
      inFlight,
      limitsReads,
      now,
      allowLocalUrls,
      metrics,
    });
  return Object.assign(factory, { tokenCache, close: () => pool.close() });
}

interface LimitsRead {
  startedAt: number;
  shareKey: string | undefined;
  read: Promise<ApiUsage>;
}

interface ClientContext {
  apiVersion: string;
  requestTimeoutMs: number;
  pool: DispatcherPool;
  tokenCache: TokenCache;
  clientName: string;
  usage: Map<string, ApiUsage>;
  inFlight: Map<string, number>;
  /** The latest /limits read per integration (start time on `now`), for callers that accept a shared one. */
  limitsReads: Map<string, LimitsRead>;
  now: () => Date;
  allowLocalUrls: LocalSalesforceUrls;
  metrics: SalesforceMetrics;
}

function createClient(connection: SalesforceConnection, ctx: ClientContext): SalesforceClient {
  const cacheKey = TokenCache.key(connection.integrationId, connection.credentialsVersion);
  let callsMade = 0;
  let tokenRequests = 0;
  const setUsage = (usage: ApiUsage) => {
    const id = connection.integrationId;
    const known = ctx.usage.get(id);
    // With other calls of the org in flight, answers can arrive out of order: an older, lower figure must not
    // replace a newer one, or a guard shared by parallel segments would under-count. Alone, the figure is taken
    // as it is (usage falls when Salesforce's rolling window moves on).
    const merged =
      known && (ctx.inFlight.get(id) ?? 0) > 0 && known.max === usage.max && known.used > usage.used
        ? { ...usage, used: known.used }
        : usage;
    ctx.usage.set(id, merged);
    ctx.metrics.usage(id, merged.used, merged.max);
  };
  // A response without Sforce-Limit-Info still spent one call: count it on the last known figure (its age is
  // kept, so the guard still refreshes it with /limits on time) rather than judging the next page on stale usage.
  const countCallWithoutFigure = () => {
    const known = ctx.usage.get(connection.integrationId);
    if (known) setUsage({ ...known, used: known.used + 1 });
  };

  // The mint is shared by every waiting activity (single-flight), so it is bounded by the request timeout only:
  // one caller's cancellation must not fail the others' token.
  const token = () =>
    ctx.tokenCache.get(cacheKey, () => {
      tokenRequests += 1;
      return mintToken((url) => ctx.pool.for(url), connection, {
        timeoutMs: ctx.requestTimeoutMs,
        allowLocal: ctx.allowLocalUrls,
      });
    });

  const restGet = (
    pathAndQuery: string,
    extraHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ res: HttpResponse; endpoint: string }> =>
    sendWithSession(pathAndQuery, extraHeaders, signal).catch((error: unknown) => {
      ctx.metrics.error(error instanceof Error ? error.name : 'unknown');
      throw error;
    });

  const sendWithSession = async (
    pathAndQuery: string,
    extraHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ res: HttpResponse; endpoint: string }> => {
    let session = await token();
    // Tokens have no expires_in: an expired or revoked session shows up as 401 INVALID_SESSION_ID, so mint once
    // more and retry the call once; a second 401 is classified as an error
    // (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
    for (let attempt = 0; ; attempt++) {
      const url = `${session.instanceUrl}${pathAndQuery}`;
      const id = connection.integrationId;
      ctx.inFlight.set(id, (ctx.inFlight.get(id) ?? 0) + 1);
      let res: HttpResponse;
      try {
        res = await send(ctx.pool.for(url), {
          url,
          method: 'GET',
          headers: {
            authorization: `Bearer ${session.accessToken}`,
            accept: 'application/json',
            'accept-encoding': 'gzip',
            'sforce-call-options': `client=${ctx.clientName}`,
            ...extraHeaders,
          },
          signal,
          timeoutMs: ctx.requestTimeoutMs,
        });
      } finally {
        const left = (ctx.inFlight.get(id) ?? 1) - 1;
        if (left > 0) ctx.inFlight.set(id, left);
        else ctx.inFlight.delete(id);
      }
      const endpoint = describe(url);
      if (res.status === 401 && attempt === 0) {
        ctx.tokenCache.invalidate(cacheKey, session);
        session = await token();
        continue;
      }
      if (res.status !== 401) {
        callsMade += 1;
        ctx.metrics.call(
          /\/query(All)?[/?]/.test(pathAndQuery)
            ? 'query'
            : pathAndQuery.endsWith('/limits')
              ? 'limits'
              : 'other',
        );
      }
      const usage = parseLimitInfo(header(res.headers, 'sforce-limit-info'), ctx.now());
      if (usage) setUsage(usage);
      else if (res.status !== 401) countCallWithoutFigure();
      if (res.status < 200 || res.status >= 300) {
        throw classifyRestError(res.status, res.body.toString('utf8'), usage, endpoint);
      }
      return { res, endpoint };
    }
  };

  const json = (res: HttpResponse, endpoint: string): unknown => {
    try {
      return JSON.parse(res.body.toString('utf8'));
    } catch {
      // A 200 whose body does not parse was cut short in transit.
      throw new SalesforceTransientError(
        `Salesforce response from ${endpoint} was not complete JSON`,
        res.status,
      );
    }
  };

  const runQuery = async (pathAndQuery: string, options: QueryOptions): Promise<QueryResult> => {
    const headers: Record<string, string> = {};
    if (options.batchSize) headers['sforce-query-options'] = `batchSize=${options.batchSize}`;
    const { res, endpoint } = await restGet(pathAndQuery, headers, options.signal);
    const parsed = queryResultSchema.safeParse(json(res, endpoint));
    if (!parsed.success) {
      throw new SalesforceTransientError(
        `Salesforce query response from ${endpoint} had an unexpected shape`,
      );
    }
    if (!parsed.data.done && !parsed.data.nextRecordsUrl) {
      throw new SalesforceTransientError(
        `Salesforce query response from ${endpoint} was not done but had no nextRecordsUrl`,
      );
    }
    return parsed.data;
  };

  return {
    get callsMade() {
      return callsMade;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get lastUsage() {
      return ctx.usage.get(connection.integrationId) ?? null;
    },
    get callsInFlight() {
      return ctx.inFlight.get(connection.integrationId) ?? 0;
    },
    async identity() {
      const session = await token();
      return { orgId: session.orgId, userId: session.userId, instanceUrl: session.instanceUrl };
    },
    query(soql, options = {}) {
      return runQuery(`/services/data/v${ctx.apiVersion}/query?q=${encodeURIComponent(soql)}`, options);
    },
    queryMore(nextRecordsUrl, options = {}) {
      // The locator is appended to instance_url (what jsforce does); anything but a REST path is refused so a
      // bad value can never send our bearer token to another host.
      // The locator itself is letters, digits and dashes (e.g. 01gxx0000000001-2000): no `\\` or `..` that a URL
      // parser would normalise into another path on the same host.
      if (!/^\/services\/data\/v\d+\.\d+\/query(All)?\/[A-Za-z0-9-]{1,100}$/.test(nextRecordsUrl)) {
        return Promise.reject(
          new InvalidQueryLocatorError('nextRecordsUrl is not a Salesforce query locator path'),
        );
      }
      return runQuery(nextRecordsUrl, options);
    },
    limits(signal, options = {}) {
      const id = connection.integrationId;
      const last = ctx.limitsReads.get(id);
      // The clock that stamps usage figures, so a test that moves it never gets a figure from "yesterday".
      const now = ctx.now().getTime();
      if (
        last &&
        ((options.shareKey !== undefined && last.shareKey === options.shareKey) ||
          (options.sharedWithinMs !== undefined && Math.abs(now - last.startedAt) <= options.sharedWithinMs))
      )
        return untilAborted(last.read, signal);
      // Shared with callers that come later, so bounded by the request timeout only: one caller's cancellation
      // (a stopped segment) must not fail the read the others wait on. Each caller still stops on its own signal.
      const read = readLimits(undefined);
      const entry = { startedAt: now, shareKey: options.shareKey, read };
      ctx.limitsReads.set(id, entry);
      // A failed read is never shared after the fact: the next caller tries again.
      read.catch(() => {
        if (ctx.limitsReads.get(id) === entry) ctx.limitsReads.delete(id);
      });
      return untilAborted(read, signal);
    },
  };

  async function readLimits(signal: AbortSignal | undefined): Promise<ApiUsage> {
    let result;
    try {
      result = await restGet(`/services/data/v${ctx.apiVersion}/limits`, {}, signal);
    } catch (error) {
      // /limits needs View Setup and Configuration; Salesforce answers 403 without it (resources_limits.htm).
      if (error instanceof Error && 'code' in error && error.code === 'INSUFFICIENT_ACCESS') {
        throw limitsNotReadable(error.message);
      }
      throw error;
    }
    const parsed = limitsSchema.safeParse(json(result.res, result.endpoint));
    if (!parsed.success)
      throw new SalesforceTransientError('Salesforce /limits response lacked DailyApiRequests');
    const daily = parsed.data.DailyApiRequests;
    const usage = {
      used: Math.max(0, daily.Max - daily.Remaining),
      max: daily.Max,
      observedAt: ctx.now().toISOString(),
    };
    setUsage(usage);
    return usage;
  }
}

/** `work`, or its caller's cancellation first: the work itself goes on for whoever else awaits it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

export type { SalesforceToken };
