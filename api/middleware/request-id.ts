import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from '../context';

// A caller's id is echoed into logs and headers, so only short, plain ids are accepted.
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Gives every request an id (the caller's, if sane) and returns it as X-Request-Id on every response. */
export function requestId(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
    // Responses built by the error handler are new objects; make sure they carry the id too.
    c.res.headers.set('X-Request-Id', id);
  };
}
