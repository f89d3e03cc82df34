import { gzipSync } from 'node:zlib';

export type ErrorBody = [{ message: string; errorCode: string }];

/** REST errors are a JSON array of {message, errorCode} (REST API Developer Guide, Status Codes and Error Responses). */
export function errorBody(errorCode: string, message: string): ErrorBody {
  return [{ message, errorCode }];
}

export const REST_ERRORS = {
  invalidSession: () => errorBody('INVALID_SESSION_ID', 'Session expired or invalid'),
  invalidAuthHeader: () => errorBody('INVALID_AUTH_HEADER', 'INVALID_HEADER_TYPE'),
  totalRequests: () => errorBody('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
  concurrentRequests: () => errorBody('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
  apiDisabledForOrg: () =>
    errorBody('API_DISABLED_FOR_ORG', 'The REST API is not enabled for this Organization.'),
  apiDisabledForUser: () => errorBody('API_CURRENTLY_DISABLED', 'API is disabled for this User'),
  serverUnavailable: () => errorBody('SERVER_UNAVAILABLE', 'Server Unavailable'),
  notFound: () => errorBody('NOT_FOUND', 'The requested resource does not exist'),
  retiredVersion: (version: string) =>
    errorBody(
      'GONE',
      `API version ${version} has been retired and is no longer available. Use a later version.`,
    ),
  invalidLocator: () => errorBody('INVALID_QUERY_LOCATOR', 'invalid query locator'),
  noQuery: () => errorBody('MALFORMED_QUERY', 'A query string has to be specified'),
} as const;

export interface SendOptions {
  status: number;
  headers?: Record<string, string>;
  /** Compress when the client sent Accept-Encoding: gzip (REST API Developer Guide, Compression Headers). */
  gzip?: boolean;
  /**
   * Fault injection: send part of the body, then break the connection. `destroy` tears down the real
   * socket when running on Node; without it the body stream errors, which clients see the same way.
   */
  drop?: { destroy?: () => void };
}

export function sendJson(payload: unknown, options: SendOptions): Response {
  const text = JSON.stringify(payload);
  const headers = new Headers({ 'Content-Type': 'application/json;charset=UTF-8', ...options.headers });
  let bytes: Uint8Array = Buffer.from(text);
  if (options.gzip) {
    bytes = gzipSync(bytes, { level: 1 });
    headers.set('Content-Encoding', 'gzip');
    headers.set('Vary', 'Accept-Encoding');
  }
  headers.set('Content-Length', String(bytes.byteLength));
  if (!options.drop) return new Response(bytes, { status: options.status, headers });
  const cut = Math.max(1, Math.floor(bytes.byteLength / 2));
  const { destroy } = options.drop;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, cut));
      setTimeout(() => {
        if (destroy) {
          destroy();
          controller.close();
        } else controller.error(new Error('simulated connection drop'));
      }, 5);
    },
  });
  return new Response(body, { status: options.status, headers });
}

export function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && /\bgzip\b/i.test(header);
}
