import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context';
import type { ApiDependencies } from './dependencies';
import { insightRoutes } from './routes/insights';

/**
 * Route groups owned by other features (insights: api/routes/insights.ts), mounted at the root behind the
 * same auth, rate limit, error envelope and OpenAPI document as ours. Their paths are absolute
 * (e.g. /v1/integrations/{id}/findings, /v1/findings). To add another, import it and list it here.
 */
export const featureRoutes: Array<(deps: ApiDependencies) => OpenAPIHono<ApiEnv>> = [insightRoutes];
