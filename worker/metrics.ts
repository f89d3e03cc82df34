import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CollectionMetrics } from '../activities/dependencies';
import type { SalesforceMetrics } from '../salesforce/client';

const DAY = 86_400;

/**
 * The worker's application metrics: what collection did (pages, rows, runs and their outcomes), what it cost in
 * Salesforce (calls by endpoint, errors by kind, each org's share of its daily API allocation) and how often
 * the quota guard stopped a run. The Temporal SDK's own metrics (slots, poll latency, workflow task failures)
 * are served next to these by worker/http-server.ts.
 */
export class WorkerMetrics implements CollectionMetrics, SalesforceMetrics {
  private readonly pages: Counter<'object'>;
  private readonly rows: Counter<'object'>;
  private readonly calls: Counter<'endpoint'>;
  private readonly errors: Counter<'kind'>;
  private readonly usageRatio: Gauge<'integration_id'>;
  private readonly pauses: Counter<'reason'>;
  private readonly runs: Counter<'kind' | 'status'>;
  private readonly runSeconds: Histogram<'kind' | 'status'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.pages = new Counter({
      name: 'identity_collector_pages_written_total',
      help: 'Salesforce result pages written to PostgreSQL, by object',
      labelNames: ['object'],
      registers,
    });
    this.rows = new Counter({
      name: 'identity_collector_rows_written_total',
      help: 'Records written to PostgreSQL, by object',
      labelNames: ['object'],
      registers,
    });
    this.calls = new Counter({
      name: 'identity_collector_salesforce_calls_total',
      help: 'REST calls that count against the org daily API allocation, by endpoint',
      labelNames: ['endpoint'],
      registers,
    });
    this.errors = new Counter({
      name: 'identity_collector_salesforce_errors_total',
      help: 'Failed Salesforce calls and token requests, by error kind',
      labelNames: ['kind'],
      registers,
    });
    this.usageRatio = new Gauge({
      name: 'identity_collector_org_api_usage_ratio',
      help: 'Latest DailyApiRequests used / max seen for each integration (0..1)',
      labelNames: ['integration_id'],
      registers,
    });
    this.pauses = new Counter({
      name: 'identity_collector_quota_pauses_total',
      help: 'Collection stops before a call the quota guard or the run budget did not allow, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.runs = new Counter({
      name: 'identity_collector_collection_runs_total',
      help: 'Collection runs that reached a final status, by kind and status',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'identity_collector_collection_run_duration_seconds',
      help: 'Wall-clock time from start to final status of collection runs (quota pauses included)',
      labelNames: ['kind', 'status'],
      buckets: [10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, DAY, 3 * DAY, 7 * DAY],
      registers,
    });
  }

  pageWritten(object: string, rows: number): void {
    this.pages.inc({ object });
    this.rows.inc({ object }, rows);
  }

  quotaPaused(reason: 'daily_threshold' | 'run_budget'): void {
    this.pauses.inc({ reason });
  }

  runFinished(kind: string, status: string, seconds: number): void {
    this.runs.inc({ kind, status });
    this.runSeconds.observe({ kind, status }, seconds);
  }

  call(endpoint: 'query' | 'limits' | 'other'): void {
    this.calls.inc({ endpoint });
  }

  error(kind: string): void {
    this.errors.inc({ kind });
  }

  usage(integrationId: string, used: number, max: number): void {
    if (max > 0) this.usageRatio.set({ integration_id: integrationId }, used / max);
  }
}
