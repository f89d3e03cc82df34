import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every error the API answers with, and its HTTP status. `app.onError` maps through this table, so adding a
 * code without a status does not compile.
 */
export const errorStatuses = {
  invalid_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  not_found: 404,
  integration_exists: 409,
  integration_disconnected: 409,
  integration_not_connected: 409,
  integration_paused: 409,
  integration_needs_attention: 409,
  integration_not_running: 409,
  conflict: 409,
  tenant_limit_reached: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  workflow_unavailable: 503,
  workers_busy: 503,
  exports_busy: 503,
  database_unavailable: 503,
  salesforce_unavailable: 503,
  query_timeout: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatuses;

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId: string };
}

/** The one error type handlers throw; its message is written for the API's users and is safe to show. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): ContentfulStatusCode {
    return errorStatuses[this.code];
  }
}

export function notFound(what = 'integration'): ApiError {
  return new ApiError('not_found', `No ${what} with this id exists`);
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
      requestId,
    },
  };
}
