import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { RunningSimulator } from '../../simulator';
import { tenantWithKey, type Services } from '../api/support/harness';
import { startLiveStack, stopLiveStack } from '../api/support/live';
import type { TestWorker } from './worker';

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
 * The product as a user meets it: the live stack of test/api/support/live.ts (real worker on Temporal, the
 * Salesforce simulator), with its API listening on a port (with the console). For tests that drive it from
 * outside (a browser, the CLI).
 */
export async function startLiveApi(label: string): Promise<LiveApi> {
  const stack = await startLiveStack({
    workflowUpdateTimeoutMs: 60_000,
    temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
  });
  let server: ServerType | undefined;
  const baseUrl = await new Promise<string>((resolve) => {
    server = serve({ fetch: stack.harness.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
  });
  const { key, tenant } = await tenantWithKey(stack.services, label);
  return {
    services: stack.services,
    simulator: stack.simulator,
    worker: stack.worker,
    baseUrl,
    key,
    tenantName: tenant.name,
    async close() {
      await new Promise((resolve) => server?.close(resolve));
      await stopLiveStack(stack);
    },
  };
}
