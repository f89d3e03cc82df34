import type { RestCall, RestResult } from './rest-call';

/**
 * `/limits`: a map of limit name to {Max, Remaining}, keys in alphabetical order (REST API, dome_limits).
 * Only DailyApiRequests is live; the others are plausible constants.
 */
export function limits(call: RestCall): RestResult {
  const { org, now } = call;
  const developer = org.config.edition === 'Developer Edition';
  const max = org.config.dailyApiMax;
  const fixed = (value: number) => ({ Max: value, Remaining: value });
  return {
    status: 200,
    body: {
      ActiveScratchOrgs: fixed(developer ? 3 : 0),
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - org.usage.used(now)) },
      DailyAsyncApexExecutions: fixed(250_000),
      DailyBulkApiBatches: fixed(15_000),
      DailyBulkV2QueryFileStorageMB: fixed(976_562),
      DailyBulkV2QueryJobs: fixed(10_000),
      DataStorageMB: fixed(developer ? 5 : 1024),
      FileStorageMB: fixed(developer ? 20 : 2048),
      HourlyTimeBasedWorkflow: fixed(50),
      SingleEmail: fixed(developer ? 15 : 5_000),
    },
  };
}

export function resources(call: RestCall): RestResult {
  const base = `/services/data/v${call.version}`;
  return {
    status: 200,
    body: {
      limits: `${base}/limits`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      sobjects: `${base}/sobjects`,
    },
  };
}
