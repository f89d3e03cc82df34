import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * The template of the route that answered (e.g. /v1/integrations/:id/users), for logs and metrics: never the
 * concrete path, which carries ids. Middleware (registered with `use`, method ALL) is skipped, so a wildcard
 * middleware mounted after the routes (the console's headers) does not hide the real route.
 */
export function routeTemplate(c: Context): string {
  const handler = matchedRoutes(c)
    .filter((route) => route.method !== 'ALL')
    .at(-1);
  return !handler || handler.path.endsWith('*') ? '(unmatched)' : handler.path;
}
