import type { OpenAPIHono } from '@hono/zod-openapi';
import { html, raw } from 'hono/html';
import type { ApiEnv } from '../context';
import { errorStatuses } from '../errors';
import { errorResponses } from '../openapi';

const errorTable = Object.entries(errorStatuses)
  .map(([code, status]) => `| ${status} | \`${code}\` |`)
  .join('\n');

export const openApiDescription = `Collects Salesforce users and login activity for security teams.

Every /v1 request needs \`Authorization: Bearer <API key>\` (keys are issued with \`npm run admin -- key create\`).
A tenant only ever sees its own integrations: anything else answers 404, like an id that does not exist.
Keys have a scope: \`read\` keys list, read and export; every other method (POST, PATCH, DELETE) needs an
\`admin\` key and answers 403 \`insufficient_scope\` otherwise. \`GET /v1/session\` tells which a key has.
Every response carries \`X-Request-Id\` (a sane incoming one is kept). Requests are rate limited per key
(429 with \`Retry-After\`).

Errors always have the shape \`{ "error": { "code", "message", "details"?, "requestId" } }\`:

| HTTP | code |
| --- | --- |
${errorTable}

Lists are cursor-paginated: pass \`nextCursor\` back as \`cursor\` until it is null.`;

const config = {
  openapi: '3.1.0',
  info: { title: 'identity-collector API', version: '1.0.0', description: openApiDescription },
  servers: [{ url: '/' }],
};

type OperationObject = {
  summary?: string;
  description?: string;
  tags?: string[];
  responses?: Record<string, unknown>;
};

/** Every write operation can answer 403 to a read-scoped key (api/auth.ts checks the method, not the route). */
function withScopeErrors<D extends { paths?: Record<string, unknown> }>(doc: D): D {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of ['post', 'patch', 'put', 'delete'] as const) {
      const op = (item as Record<string, OperationObject | undefined>)[method];
      if (op?.responses && !op.responses['403']) op.responses['403'] = errorResponses(403)['403'];
    }
  }
  return doc;
}

/** /openapi.json from the same zod schemas that validate requests, and /docs, a self-contained reading of it. */
export function mountDocs(app: OpenAPIHono<ApiEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key such as ic_live_…, created with `npm run admin -- key create --tenant <name>`.',
  });
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const openApiDocument = () => (document ??= withScopeErrors(app.getOpenAPI31Document(config)));

  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  // Server-rendered so it works offline (no CDN assets); the JSON document is the machine-readable source.
  app.get('/docs', (c) => {
    const doc = openApiDocument();
    const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      (['get', 'post', 'patch', 'put', 'delete'] as const)
        .filter((method) => (item as Record<string, unknown>)[method])
        .map((method) => ({ path, method, op: (item as Record<string, OperationObject>)[method]! })),
    );
    const sections = [...new Set(operations.map((o) => o.op.tags?.[0] ?? 'Other'))];
    return c.html(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <title>${doc.info.title}</title>
            <style>
              body {
                font:
                  15px/1.5 system-ui,
                  sans-serif;
                max-width: 60rem;
                margin: 2rem auto;
                padding: 0 1rem;
                color: #222;
              }
              code,
              pre {
                font-family: ui-monospace, monospace;
                font-size: 13px;
              }
              pre {
                background: #f5f5f5;
                padding: 0.75rem;
                overflow: auto;
                white-space: pre-wrap;
              }
              .op {
                border-top: 1px solid #ddd;
                padding: 0.5rem 0;
              }
              .method {
                display: inline-block;
                width: 4.5rem;
                font-weight: 700;
                text-transform: uppercase;
              }
            </style>
          </head>
          <body>
            <h1>${doc.info.title} <small>${doc.info.version}</small></h1>
            <p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
            <pre>${doc.info.description ?? ''}</pre>
            ${sections.map(
              (section) =>
                html`<h2>${section}</h2>
                  ${operations
                    .filter((o) => (o.op.tags?.[0] ?? 'Other') === section)
                    .map(
                      (o) =>
                        html`<div class="op">
                          <div>
                            <span class="method">${o.method}</span><code>${o.path}</code> —
                            ${o.op.summary ?? ''}
                          </div>
                          ${o.op.description ? html`<p>${o.op.description}</p>` : raw('')}
                        </div>`,
                    )}`,
            )}
          </body>
        </html>`,
    );
  });
}
