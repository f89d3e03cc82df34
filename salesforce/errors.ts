import { ApplicationFailure } from '@temporalio/common';

/**
 * Typed Salesforce failures. Each class says what Temporal should do with it (see toActivityFailure):
 * setup problems stop until an admin fixes the org, transient ones are retried by the activity's retry
 * policy (never by a loop here), and the daily cap becomes a quota pause in the collection activity.
 * Messages never contain tokens or secrets: they are built from Salesforce's error codes and texts only.
 */
export abstract class SalesforceError extends Error {
  abstract readonly retryable: boolean;
}

export type SetupErrorCode =
  | 'INVALID_CLIENT_ID'
  | 'INVALID_CLIENT_SECRET'
  | 'CLIENT_CREDENTIALS_FLOW_DISABLED'
  | 'NO_RUN_AS_USER'
  | 'IP_RESTRICTED'
  | 'RUN_AS_USER_INACTIVE'
  | 'WRONG_DOMAIN'
  /** A URL failed the SSRF guard in the worker (stored org URL, instance_url, or a non-public address). */
  | 'URL_REFUSED'
  | 'TOKEN_REJECTED'
  | 'API_DISABLED_FOR_ORG'
  | 'API_DISABLED_FOR_USER'
  | 'API_SCOPE_MISSING'
  | 'LIMITS_NOT_READABLE'
  | 'INSUFFICIENT_ACCESS'
  | 'EDITION_NOT_SUPPORTED'
  | 'USERS_NOT_READABLE'
  | 'LOGIN_HISTORY_NOT_READABLE';

/** A configuration or permission problem in the customer's org: retrying cannot help, an admin must act. */
export class SalesforceSetupError extends SalesforceError {
  readonly retryable = false;
  constructor(
    readonly code: SetupErrorCode,
    message: string,
    /** The exact Salesforce setup step that fixes it. */
    readonly fix: string,
  ) {
    super(message);
    this.name = 'SalesforceSetupError';
  }
}

/** 5xx, dropped connections, truncated bodies, timeouts: Temporal's retry policy retries the activity. */
export class SalesforceTransientError extends SalesforceError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly errorCode: string | null = null,
  ) {
    super(message);
    this.name = 'SalesforceTransientError';
  }
}

/** REQUEST_LIMIT_EXCEEDED because the org's rolling 24-hour allocation is spent (a pause, not a failure). */
export class SalesforceDailyLimitError extends SalesforceError {
  readonly retryable = false;
  constructor(
    readonly used: number | null,
    readonly max: number | null,
  ) {
    super(
      `Salesforce refused the call: the org's daily API request limit is exhausted` +
        (used !== null && max !== null ? ` (${used}/${max})` : ''),
    );
    this.name = 'SalesforceDailyLimitError';
  }
}

/**
 * REQUEST_LIMIT_EXCEEDED for too many concurrent long-running requests (25 per org, 5 on Developer/Trial,
 * salesforce-app-limits-platform-api): it clears within seconds, so retry after a short delay.
 */
export class SalesforceConcurrencyLimitError extends SalesforceError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly suggestedDelayMs = 30_000,
  ) {
    super(message);
    this.name = 'SalesforceConcurrencyLimitError';
  }
}

/** The query locator (nextRecordsUrl) expired or is unknown; re-query from the keyset cursor instead. */
export class InvalidQueryLocatorError extends SalesforceError {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryLocatorError';
  }
}

/** MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE on one of our own queries: a bug or a missing permission. */
export class SalesforceQueryError extends SalesforceError {
  readonly retryable = false;
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(`${errorCode}: ${message}`);
    this.name = 'SalesforceQueryError';
  }
}

/** Any other refusal (404, 410, unexpected 4xx): not worth retrying blindly. */
export class SalesforceRequestError extends SalesforceError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | null,
  ) {
    super(message);
    this.name = 'SalesforceRequestError';
  }
}

/**
 * Converts a thrown error into the ApplicationFailure Temporal records. Unknown errors are returned as they
 * are (Temporal retries them by default, which is what an unexpected bug in I/O usually deserves).
 */
export function toActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof SalesforceSetupError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'SalesforceSetupError',
      nonRetryable: true,
      details: [{ code: error.code, message: error.message, fix: error.fix }],
    });
  }
  if (error instanceof SalesforceConcurrencyLimitError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'SalesforceConcurrencyLimitError',
      nonRetryable: false,
      nextRetryDelay: error.suggestedDelayMs,
    });
  }
  if (error instanceof SalesforceTransientError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'SalesforceTransientError',
      nonRetryable: false,
      details: [{ status: error.status, errorCode: error.errorCode }],
    });
  }
  if (error instanceof SalesforceDailyLimitError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'SalesforceDailyLimitError',
      nonRetryable: true,
      details: [{ used: error.used, max: error.max }],
    });
  }
  if (error instanceof SalesforceQueryError) {
    return ApplicationFailure.create({
      message: error.message,
      type: 'SalesforceQueryError',
      nonRetryable: true,
      details: [{ errorCode: error.errorCode }],
    });
  }
  if (error instanceof InvalidQueryLocatorError || error instanceof SalesforceRequestError) {
    return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true });
  }
  return error;
}
