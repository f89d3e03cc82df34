import type { MiddlewareHandler } from 'hono';

/**
 * Protective response headers (OWASP HTTP Headers Cheat Sheet): `nosniff` everywhere so a browser never
 * reinterprets a JSON or CSV body as HTML; on /v1, `no-store` because bodies hold personal data (users, logins,
 * CSV exports) that must not stay in shared or browser caches, and `Vary: Accept` because Accept switches
 * JSON and CSV. Set after the handler, so responses built by the error handler carry them too.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    if (c.req.path.startsWith('/v1/')) {
      c.res.headers.set('Cache-Control', 'no-store');
      c.res.headers.append('Vary', 'Accept');
    }
  };
}
