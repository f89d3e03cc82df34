import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { apiKeyScopes } from '../../platform/api-keys';
import type { ApiEnv } from '../context';
import { bearerSecurity, errorResponses } from '../openapi';

export const SessionSchema = z
  .object({
    tenant: z.object({ id: z.uuid(), name: z.string() }),
    key: z.object({
      id: z.uuid(),
      name: z.string(),
      scope: z.enum(apiKeyScopes).openapi({
        description: '`read` lists, reads and exports; `admin` may also change integrations and findings.',
      }),
    }),
  })
  .openapi('Session');

export type Session = z.infer<typeof SessionSchema>;

/** Who the presented key is: the console signs in with it and shows only what the key's scope allows. */
export function sessionRoutes() {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['Session'],
      summary: 'The tenant and scope of the presented API key',
      security: bearerSecurity,
      responses: {
        200: {
          description: 'The key’s identity',
          content: { 'application/json': { schema: SessionSchema } },
        },
        ...errorResponses(),
      },
    }),
    (c) =>
      c.json(
        {
          tenant: { id: c.get('tenantId'), name: c.get('tenantName') },
          key: { id: c.get('apiKeyId'), name: c.get('apiKeyName'), scope: c.get('apiKeyScope') },
        } satisfies Session,
        200,
      ),
  );
  return app;
}
