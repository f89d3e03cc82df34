import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { useTestServices } from '../support/context';
import { buildTestApp } from './support/harness';

describe('OpenAPI document and docs page', () => {
  const harness = buildTestApp(useTestServices());

  it('serves a valid OpenAPI 3.1 document covering every /v1 operation', async () => {
    const res = await harness.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });

    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      expect.arrayContaining([
        'POST /v1/integrations',
        'GET /v1/integrations',
        'GET /v1/integrations/{id}',
        'PATCH /v1/integrations/{id}',
        'DELETE /v1/integrations/{id}',
        'POST /v1/integrations/{id}/test',
        'POST /v1/integrations/{id}/collect',
        'POST /v1/integrations/{id}/pause',
        'POST /v1/integrations/{id}/resume',
        'GET /v1/integrations/{id}/runs',
        'GET /v1/integrations/{id}/runs/{runId}',
        'GET /v1/integrations/{id}/users',
        'GET /v1/integrations/{id}/logins',
      ]),
    );
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(['400', '401', '429', '500']),
        );
      }
    }
    // Documented behaviour the issue asks for.
    expect(JSON.stringify(doc.paths['/v1/integrations/{id}']!.delete)).toMatch(/Collected data is kept/);
    expect(JSON.stringify(doc)).not.toMatch(/consumer_secret_ciphertext/);
  });

  it('serves a self-contained, readable docs page', async () => {
    const res = await harness.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('/v1/integrations/{id}/collect');
    expect(html).toContain('Collect Now');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
