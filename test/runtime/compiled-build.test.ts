import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildProduction } from '../../dev/build';
import { freePort } from '../../platform/ports';
import { createApiKey, createTenant } from '../../platform/api-keys';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { connectTestServices } from '../support/context';
import { parseMetrics, sample } from './prometheus';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  name: string;
  process: ChildProcess;
  stdout: string[];
  stop(): Promise<number | null>;
}

function startCompiled(name: string, entry: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stdout: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    stdout.push(...lines.filter(Boolean));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    process: child,
    stdout,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitFor(url: string, service: Service, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.process.exitCode !== null)
      throw new Error(
        `${service.name} exited with ${service.process.exitCode}: ${service.stdout.join('\n')}`,
      );
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready: ${service.stdout.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The production build end to end: `npm run build`'s output (no tsx, the prebuilt workflow bundle) runs the
 * worker and the API as real processes against Temporal, PostgreSQL and the simulator; a collection passes,
 * and both /metrics endpoints show it (application counters and the Temporal SDK's own metrics).
 */
describe('compiled build', () => {
  const outDir = join(root, '.build-test', randomUUID());
  let services: Awaited<ReturnType<typeof connectTestServices>>;
  let simulator: RunningSimulator;
  let worker: Service;
  let api: Service;
  let apiUrl: string;
  let workerUrl: string;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    await buildProduction(outDir);
    services = await connectTestServices();
    simulator = await startSimulator({ port: 0 });
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    const env = {
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      TEMPORAL_TASK_QUEUE: `compiled-${randomUUID()}`,
      RECONCILER_ENABLED: 'false',
      ALLOW_LOCAL_SALESFORCE_URLS: 'true',
      LOG_LEVEL: 'info',
      API_PORT: String(apiPort),
      WORKER_HTTP_PORT: String(workerPort),
    };
    worker = startCompiled('worker', join(outDir, 'worker/main.js'), env);
    api = startCompiled('api', join(outDir, 'api/main.js'), env);
    await Promise.all([waitFor(`${workerUrl}/healthz`, worker), waitFor(`${apiUrl}/readyz`, api)]);
  });
  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await simulator?.close();
    await services?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('runs a collection and counts it on both /metrics endpoints', async () => {
    expect(worker.stdout.join('\n')).toContain('worker polling');
    const health = (await fetch(`${workerUrl}/healthz`).then((r) => r.json())) as { workers: object };
    expect(Object.values(health.workers)).toEqual(['RUNNING', 'RUNNING']);

    const org = simulator.simulator.control.createOrg({ users: 40, logins: 300, seed: 11 });
    const tenant = await createTenant(services.sql, `compiled-${randomUUID()}`);
    const { key } = await createApiKey(services.sql, { tenantName: tenant.name, name: 'test' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(apiUrl + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { status: res.status, body: (await res.json()) as any };
    };
    const created = await call('POST', '/v1/integrations', {
      displayName: 'Compiled build',
      salesforceUrl: org.salesforceUrl,
      consumerKey: org.consumerKey,
      consumerSecret: org.consumerSecret,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call('POST', `/v1/integrations/${id}/test`)).body).toMatchObject({ ok: true });
    const collect = await call('POST', `/v1/integrations/${id}/collect`);
    expect(collect.status).toBe(202);
    const runId = collect.body.runId as string;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await call('GET', `/v1/integrations/${id}`);
      if (status.body.lastRun?.runId === runId) {
        expect(status.body.lastRun.status).toBe('succeeded');
        break;
      }
      if (Date.now() > deadline) throw new Error(`no finished run: ${JSON.stringify(status.body)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const users = await call('GET', `/v1/integrations/${id}/users?limit=100`);
    expect(users.body.data).toHaveLength(40);

    const workerText = await fetch(`${workerUrl}/metrics`).then((r) => r.text());
    const workerMetrics = parseMetrics(workerText);
    expect(sample(workerMetrics, 'identity_collector_rows_written_total', { object: 'User' })).toBe(40);
    expect(
      sample(workerMetrics, 'identity_collector_pages_written_total', { object: 'User' }),
    ).toBeGreaterThan(0);
    expect(sample(workerMetrics, 'identity_collector_rows_written_total', { object: 'LoginHistory' })).toBe(
      300,
    );
    expect(
      sample(workerMetrics, 'identity_collector_salesforce_calls_total', { endpoint: 'query' }),
    ).toBeGreaterThan(0);
    expect(
      sample(workerMetrics, 'identity_collector_collection_runs_total', {
        kind: 'initial',
        status: 'succeeded',
      }),
    ).toBe(1);
    expect(
      sample(workerMetrics, 'identity_collector_collection_run_duration_seconds_count', {
        kind: 'initial',
        status: 'succeeded',
      }),
    ).toBe(1);
    const usage = sample(workerMetrics, 'identity_collector_org_api_usage_ratio', { integration_id: id });
    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThan(1);
    // The Temporal runtime's own series come through the same endpoint.
    expect([...workerMetrics.keys()].some((k) => k.startsWith('temporal_'))).toBe(true);
    expect(sample(workerMetrics, 'identity_collector_process_resident_memory_bytes', {})).toBeGreaterThan(0);

    const apiText = await fetch(`${apiUrl}/metrics`).then((r) => r.text());
    const apiMetrics = parseMetrics(apiText);
    expect(
      sample(apiMetrics, 'identity_collector_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/integrations/:id/collect',
        status: '202',
      }),
    ).toBe(1);
    expect(
      sample(apiMetrics, 'identity_collector_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/integrations/:id',
        status: '200',
      }),
    ).toBeGreaterThan(0);

    // Every series the Grafana dashboard charts is one these endpoints really export (a failure counter that has
    // not counted yet is absent from the SDK's exposition, so that one is checked by name only).
    const dashboard = readFileSync(join(root, 'deploy/grafana/identity-collector.json'), 'utf8');
    const exported = new Set([
      ...[...workerMetrics.keys(), ...apiMetrics.keys()].map((k) => k.slice(0, k.indexOf('{'))),
      // Declared families (a labelled counter has no sample before its first increment).
      ...[...(workerText + apiText).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!),
    ]);
    const charted = new Set(dashboard.match(/\b(identity_collector|temporal)_[a-z_]+/g));
    expect(charted.size).toBeGreaterThan(10);
    const missing = [...charted].filter((name) => !exported.has(name) && !/_failed$/.test(name));
    expect(missing, [...exported].filter((n) => n.startsWith('temporal_')).join(' ')).toEqual([]);

    // Everything the worker wrote, the Temporal SDK's own messages included, is one JSON object per line.
    for (const line of worker.stdout) expect(() => JSON.parse(line), line).not.toThrow();
    expect(worker.stdout.some((l) => JSON.parse(l).sdkComponent !== undefined)).toBe(true);

    expect(await worker.stop()).toBe(0);
    expect(await api.stop()).toBe(0);
  });
});
