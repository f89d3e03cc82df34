import { Context } from '@temporalio/activity';

const KEEP_ALIVE_MS = 5_000;

/**
 * Wraps activities that run a few long SQL statements (no natural page boundary) so they heartbeat every
 * few seconds: with a short heartbeatTimeout a dead worker is noticed in seconds, not at startToClose.
 */
export function withKeepAliveHeartbeat<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        const context = Context.current();
        const timer = setInterval(() => context.heartbeat(), KEEP_ALIVE_MS);
        try {
          return await activity(...args);
        } finally {
          clearInterval(timer);
        }
      },
    ]),
  ) as T;
}
