import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { inject } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { buildTestApp, tenantWithKey, type Services } from '../api/support/harness';
import { connectTestServices } from './context';
import { startTestWorker, type TestWorker } from './worker';
import { testSecrets } from './factories';

export interface LiveApi {
  services: Services;
  simulator: RunningSimulator;
  worker: TestWorker;
  /** Where the API (and the console at /) listens. */
  baseUrl: string;
  /** A new tenant's API key. */
  key: string;
  tenantName: string;
  close(): Promise<void>;
}

/**
 * The product as a user meets it: a listening API (with the console), the real worker on Temporal, and the
 * Salesforce simulator. For tests that drive it from outside (a browser, the CLI).
 */
export async function startLiveApi(label: string): Promise<LiveApi> {
  const services = await connectTestServices();
  const simulator = await startSimulator({ port: 0 });
  const secrets = testSecrets();
  const worker = await startTestWorker({
    sql: services.sql,
    temporalAddress: inject('temporalAddress'),
    secrets: secrets.box,
  });
  const { app } = buildTestApp(services, {
    secrets: secrets.box,
    config: {
      allowLocalSalesforceUrls: true,
      taskQueue: worker.taskQueue,
      workflowUpdateTimeoutMs: 60_000,
      temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
    },
  });
  let server: ServerType | undefined;
  const baseUrl = await new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
  });
  const { key, tenant } = await tenantWithKey(services, label);
  return {
    services,
    simulator,
    worker,
    baseUrl,
    key,
    tenantName: tenant.name,
    async close() {
      await new Promise((resolve) => server?.close(resolve));
      await worker.stop();
      await simulator.close();
      await services.close();
    },
  };
}
