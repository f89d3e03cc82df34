import type { Logger } from './logger';

/**
 * postgres.js 3.4.9 (the latest release) can run a deferred socket write after its connection closed, e.g.
 * when PostgreSQL restarts: `TypeError: Cannot read properties of null (reading 'write')` thrown from a timer
 * in postgres/src/connection.js, which no caller can catch (porsager/postgres#1154 and #1208; fixes proposed
 * in PRs #1168 and #1209, unreleased). The queries on that connection fail on their own and are retried, so
 * this one error must not take the process down. Every other uncaught exception still does.
 */
export function survivePostgresClosedSocketWrites(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    const known =
      error instanceof TypeError &&
      error.message.includes("reading 'write'") &&
      (error.stack ?? '').includes('postgres/src/connection.js');
    if (known) {
      logger.warn('postgres.js wrote to a closed connection (known upstream bug); continuing');
      return;
    }
    logger.error('uncaught exception', {
      error: { name: error.name, message: error.message, stack: error.stack },
    });
    process.exit(1);
  });
}
