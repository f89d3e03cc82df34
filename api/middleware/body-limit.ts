import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors';

/**
 * Refuses bodies above the limit (by Content-Length, or while streaming when it is absent). GET and HEAD
 * requests never carry a body this API reads (a web `Request` cannot have one), and asking for it would make
 * @hono/node-server build a full `Request` and `AbortController` per read: skipped, the hot path of every listing.
 */
export function limitBodySize(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError('payload_too_large', `Request bodies are limited to ${maxBytes} bytes`);
    },
  });
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
}
