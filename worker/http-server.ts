import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import { metricsContentType } from '../platform/metrics';

export interface WorkerHealthSource {
  /** Each SDK worker's state by task queue, or undefined while the process is still starting. */
  states(): Record<string, State> | undefined;
}

export interface WorkerHttpServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's small HTTP side: `GET /healthz` (200 while every SDK worker polls, 503 while starting, draining
 * or stopped, with each worker's state) for orchestrator health checks, and `GET /metrics` (Prometheus): the
 * application registry followed by the Temporal runtime's own exposition, fetched from its loopback exporter, so
 * one scrape target covers both.
 */
export async function startWorkerHttpServer(options: {
  host: string;
  port: number;
  health: WorkerHealthSource;
  registry: Registry;
  /** http://127.0.0.1:PORT/metrics of the Temporal runtime's Prometheus exporter. */
  temporalMetricsUrl: string;
}): Promise<WorkerHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const states = options.health.states();
      const healthy = states !== undefined && Object.values(states).every((s) => s === 'RUNNING');
      res
        .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(
          JSON.stringify({
            status: healthy ? 'ok' : states ? 'unavailable' : 'starting',
            workers: states ?? {},
          }),
        );
      return;
    }
    if (path === '/metrics') {
      void metricsText(options.registry, options.temporalMetricsUrl).then(
        (text) => res.writeHead(200, { 'content-type': metricsContentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function metricsText(registry: Registry, temporalMetricsUrl: string): Promise<string> {
  const [ours, temporal] = await Promise.all([
    registry.metrics(),
    fetch(temporalMetricsUrl, { signal: AbortSignal.timeout(2000) })
      .then((r) => (r.ok ? r.text() : `# Temporal runtime metrics unavailable: HTTP ${r.status}\n`))
      // The runtime shuts its exporter down with its last worker; the application metrics still answer.
      .catch((e: Error) => `# Temporal runtime metrics unavailable: ${e.message}\n`),
  ]);
  return `${ours.endsWith('\n') ? ours : `${ours}\n`}${temporal}`;
}
