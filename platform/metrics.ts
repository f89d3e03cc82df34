import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One Prometheus registry per process (https://github.com/siimon/prom-client), with Node's own process metrics
 * (RSS, heap, event-loop lag, GC) and a `process` label so API and worker series never mix.
 */
export function createMetricsRegistry(process: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry, prefix: 'identity_collector_' });
  return registry;
}

/** Prometheus text exposition format 0.0.4, what every scraper accepts. */
export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';
