import type { ApiKeyScope } from '../platform/api-keys';

/** Per-request values set by middleware and read by handlers (typed on the Hono context, not globals). */
export interface ApiVariables {
  requestId: string;
  /** Set by the auth middleware on every /v1 request. */
  tenantId: string;
  tenantName: string;
  apiKeyId: string;
  apiKeyName: string;
  apiKeyScope: ApiKeyScope;
}

export interface ApiEnv {
  Variables: ApiVariables;
}
