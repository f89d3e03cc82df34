import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from '../../context';
import type { ApiDependencies } from '../../dependencies';
import { ApiError, notFound } from '../../errors';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../../openapi';
import { findTenantIntegration } from '../../tenant-integrations';

const tags = ['Identity insights'];

const TrustedNetworkSchema = z
  .object({
    id: z.uuid(),
    cidr: z.string().openapi({ example: '198.51.100.0/24' }),
    label: z.string(),
    createdAt: z.string(),
  })
  .openapi('TrustedNetwork');
export type TrustedNetwork = z.infer<typeof TrustedNetworkSchema>;

const TrustedNetworkBody = z
  .object({
    cidr: z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()]).openapi({
      description:
        'An IPv4/IPv6 network in CIDR notation, or one address. Host bits are cleared (10.1.2.3/24 is stored as 10.1.2.0/24).',
      example: '198.51.100.0/24',
    }),
    label: z.string().trim().min(1).max(200).openapi({ example: 'Corporate VPN egress' }),
  })
  .strict()
  .openapi('TrustedNetworkCreate');

const TrustedNetworkParams = IntegrationIdParams.extend({
  networkId: z
    .uuid()
    .openapi({ param: { name: 'networkId', in: 'path' }, description: 'Trusted network id' }),
});

interface Row {
  id: string;
  cidr: string;
  label: string;
  created_at: Date;
}
const toNetwork = (r: Row) => ({
  id: r.id,
  cidr: r.cidr,
  label: r.label,
  createdAt: r.created_at.toISOString(),
});

/**
 * Per-integration allow-list: trusted networks (VPN ranges, corporate or cloud egress IPs) whose logins the
 * impossible-travel, new-country and password-spray rules ignore. Applied from the next recompute.
 */
export function trustedNetworkRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;
  const description =
    'Logins from these networks are ignored by impossible travel, new country (as candidates and as baseline) ' +
    'and password spray, from the next collection run on.';

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/trusted-networks',
      tags,
      summary: 'List trusted networks (detection allow-list)',
      description,
      security: bearerSecurity,
      request: { params: IntegrationIdParams },
      responses: {
        200: {
          description: 'The allow-list',
          content: { 'application/json': { schema: z.object({ data: z.array(TrustedNetworkSchema) }) } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const rows = await sql<Row[]>`
        select id, cidr::text as cidr, label, created_at from trusted_networks
        where integration_id = ${integration.id} order by cidr
      `;
      return c.json({ data: rows.map(toNetwork) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/integrations/{id}/trusted-networks',
      tags,
      summary: 'Add a trusted network',
      description,
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        body: { required: true, content: { 'application/json': { schema: TrustedNetworkBody } } },
      },
      responses: {
        201: { description: 'Added', content: { 'application/json': { schema: TrustedNetworkSchema } } },
        ...errorResponses(404, 409, 415),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { cidr, label } = c.req.valid('json');
      const [row] = await sql<Row[]>`
        insert into trusted_networks (integration_id, cidr, label)
        values (${integration.id}, network(${cidr}::inet), ${label})
        on conflict (integration_id, cidr) do nothing
        returning id, cidr::text as cidr, label, created_at
      `;
      if (!row) {
        throw new ApiError('conflict', 'This network is already trusted for the integration', [
          { path: 'body.cidr', message: 'already in the allow-list' },
        ]);
      }
      return c.json(toNetwork(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/integrations/{id}/trusted-networks/{networkId}',
      tags,
      summary: 'Remove a trusted network',
      security: bearerSecurity,
      request: { params: TrustedNetworkParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(404) },
    }),
    async (c) => {
      const { id, networkId } = c.req.valid('param');
      const integration = await findTenantIntegration(sql, c.get('tenantId'), id);
      const rows = await sql`
        delete from trusted_networks where integration_id = ${integration.id} and id = ${networkId} returning id
      `;
      if (rows.length === 0) throw notFound('trusted network');
      return c.body(null, 204);
    },
  );

  return app;
}
