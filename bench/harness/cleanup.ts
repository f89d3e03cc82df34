/**
 * Everything a bench starts registers how to stop it here; `runAll` stops them in reverse order, also when
 * the bench fails or is interrupted, so no PostgreSQL, Temporal server or worker process outlives it.
 */
type Stop = { name: string; stop: () => Promise<void> };

const stops: Stop[] = [];
let stopping: Promise<void> | undefined;

export function onCleanup(name: string, stop: () => Promise<void>): void {
  stops.push({ name, stop });
}

export function cleanupAll(): Promise<void> {
  stopping ??= (async () => {
    while (stops.length > 0) {
      const { name, stop } = stops.pop()!;
      try {
        // A service that hangs on shutdown must not keep the others running.
        await Promise.race([stop(), new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
      } catch (error) {
        console.error(`[bench] stopping ${name} failed: ${(error as Error).message}`);
      }
    }
    stopping = undefined;
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`[bench] ${signal}: stopping everything`);
    void cleanupAll().then(() => process.exit(130));
  });
}
