import { isGrpcServiceError } from '@temporalio/client';
import { ApiError } from './errors';

/**
 * Infrastructure failures that reach the error handler, answered with what they are instead of a bare 500:
 * an unreachable PostgreSQL or Temporal is a 503 with Retry-After (RFC 9110 §15.6.4), and a value PostgreSQL
 * cannot store (SQLSTATE class 22: a NUL byte, a year it cannot represent) is the client's 400. Messages are
 * fixed texts: driver messages carry internal host names, ports and user names (OWASP Error Handling Cheat
 * Sheet), so those go to the log only.
 */
const RETRY_AFTER_SECONDS = '5';

// postgres.js connection errors (its `code`), and Node socket errors it passes through.
const PG_CONNECTION_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);
// SQLSTATE: class 08 connection exception, 53300 too_many_connections, 57P01-57P03 shutdown / cannot connect now
// (PostgreSQL docs, Appendix A "PostgreSQL Error Codes").
const PG_UNAVAILABLE_STATES = /^(08...|53300|57P0[123])$/;
// gRPC status codes (grpc.io "Status codes"): 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED.
const GRPC_UNAVAILABLE = new Set([4, 14]);

/** The error and its causes: the Temporal client wraps gRPC errors in a ServiceError whose cause holds the code. */
function* causes(error: unknown): Generator<unknown> {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

export function infrastructureError(error: unknown): ApiError | undefined {
  for (const cause of causes(error)) {
    const known = classify(cause);
    if (known) return known;
  }
  return undefined;
}

function classify(error: unknown): ApiError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (isGrpcServiceError(error) && GRPC_UNAVAILABLE.has(error.code)) {
    return new ApiError(
      'workflow_unavailable',
      'The workflow service is unavailable; retry later',
      undefined,
      { 'Retry-After': RETRY_AFTER_SECONDS },
    );
  }
  if (typeof code !== 'string') return undefined;
  if (PG_CONNECTION_CODES.has(code) || PG_UNAVAILABLE_STATES.test(code)) {
    return new ApiError('database_unavailable', 'The database is unavailable; retry later', undefined, {
      'Retry-After': RETRY_AFTER_SECONDS,
    });
  }
  // 57014 query_canceled: the pool's statement_timeout ended it (api/main.ts sets one per endpoint class).
  if (code === '57014') {
    return new ApiError(
      'query_timeout',
      'The request took too long and was stopped; narrow it (a shorter date range, a filter or a smaller page) and retry',
    );
  }
  if (/^22...$/.test(code)) {
    return new ApiError(
      'invalid_request',
      'A value in the request cannot be stored or compared: remove NUL (\\u0000) characters and use dates between years 1 and 9999',
      { sqlstate: code },
    );
  }
  return undefined;
}
