import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Simulator, type SimulatorOptions } from './simulator';

export interface StartOptions extends SimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningSimulator {
  url: string;
  simulator: Simulator;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export function startSimulator(options: StartOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const simulator = createSimulator(options);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: simulator.app.fetch, port: options.port ?? 0, hostname: host });
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`port ${options.port} on ${host} is already in use`)
          : error,
      );
    });
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      simulator.setPublicUrl(url);
      resolve({
        url,
        simulator,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
  });
}
