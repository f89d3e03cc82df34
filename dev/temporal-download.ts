import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Connection } from '@temporalio/client';
import { customSearchAttributes } from '../workflows/search-attributes';
import { fairDispatch, setRetention } from './temporal-dev-server';

/**
 * Fallback when no `temporal` CLI is installed: the SDK downloads the dev server itself (needs internet)
 * and runs it with the same persistence, UI port and search attributes as our own launcher.
 */
export async function startSdkDownloadedServer(options: {
  port: number;
  uiPort: number;
  dbFile: string;
  namespace: string;
  retentionHours: number;
}): Promise<{ address: string; stop(): Promise<void> }> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace,
      searchAttributes: [...customSearchAttributes],
      // Same as dev/temporal-dev-server.ts: tenants' tasks are dispatched fairly.
      extraArgs: Object.entries(fairDispatch).flatMap(([key, value]) => [
        '--dynamic-config-value',
        `${key}=${value}`,
      ]),
    },
  });
  const address = `127.0.0.1:${options.port}`;
  const connection = await Connection.connect({ address });
  try {
    await setRetention(connection, options.namespace, options.retentionHours);
  } finally {
    await connection.close();
  }
  return { address, stop: () => env.teardown() };
}
