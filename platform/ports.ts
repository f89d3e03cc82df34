import { createServer } from 'node:net';

/** A port the OS says is free right now (bind to 0, read it back, release it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves if the port can be bound, else rejects with a message naming the port and its purpose. */
export function assertPortFree(port: number, purpose: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} (${purpose}) is already in use. Stop whatever is using it (\`ss -ltnp 'sport = :${port}'\`) or choose another port in your environment.`
            : `Cannot listen on ${host}:${port} for ${purpose}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
