// Child process for the crash-guard test: throws, from a timer, either the postgres.js closed-socket error
// (with its real stack frame) or any other error, then reports whether the process survived.
import { survivePostgresClosedSocketWrites } from '../../platform/postgres-crash-guard';
import { createLogger } from '../../platform/logger';

survivePostgresClosedSocketWrites(createLogger('warn'));
const kind = process.argv[2];
setTimeout(() => {
  const error =
    kind === 'postgres'
      ? new TypeError("Cannot read properties of null (reading 'write')")
      : new Error('boom');
  if (kind === 'postgres') {
    error.stack = `${error.message}\n    at Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:22)`;
  }
  throw error;
}, 10);
setTimeout(() => {
  console.log('survived');
  process.exit(0);
}, 200);
