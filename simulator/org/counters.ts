export type Endpoint =
  'token' | 'versions' | 'resources' | 'limits' | 'query' | 'queryAll' | 'queryMore' | 'identity' | 'other';

export interface Counters {
  /** Requests per endpoint, including rejected ones. */
  endpoints: Record<Endpoint, number>;
  tokenRequests: number;
  tokensIssued: number;
  /** Calls counted against the daily API allocation. */
  apiCallsCounted: number;
  /** Error responses by errorCode (or OAuth error). */
  errors: Record<string, number>;
  recordsServed: number;
  faultsInjected: Record<string, number>;
}

export function createCounters(): Counters {
  return {
    endpoints: {
      token: 0,
      versions: 0,
      resources: 0,
      limits: 0,
      query: 0,
      queryAll: 0,
      queryMore: 0,
      identity: 0,
      other: 0,
    },
    tokenRequests: 0,
    tokensIssued: 0,
    apiCallsCounted: 0,
    errors: {},
    recordsServed: 0,
    faultsInjected: {},
  };
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}
