import { Hono } from 'hono';
import type { ApiDependencies } from './dependencies';
import { healthRoutes } from './routes/health';

/** Builds the HTTP API; never listens (api/main.ts does), so tests drive it with app.request(). */
export function createApp(deps: ApiDependencies) {
  const app = new Hono();
  app.route('/', healthRoutes(deps));
  return app;
}
