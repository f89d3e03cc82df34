import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { requireApiKey, requireScopeForWrites } from './auth';
import { limitConcurrentReports } from './endpoint-classes';
import type { ApiEnv } from './context';
import type { ApiDependencies } from './dependencies';
import { ApiError, errorBody, notFound, type ErrorDetail } from './errors';
import { consoleRoutes } from './console/routes';
import { infrastructureError } from './outages';
import { limitBodySize } from './middleware/body-limit';
import { rateLimitPerKey } from './middleware/rate-limit';
import { requestId } from './middleware/request-id';
import { requestLog } from './middleware/request-log';
import { requestMetrics } from './middleware/request-metrics';
import { securityHeaders } from './middleware/security-headers';
import { collectedDataRoutes } from './routes/collected-data';
import { collectedExportRoutes } from './routes/collected-export';
import { insightRoutes } from './routes/insights';
import { mountDocs } from './routes/docs';
import { healthRoutes } from './routes/health';
import { integrationActionRoutes } from './routes/integration-actions';
import { integrationRoutes } from './routes/integrations';
import { metricsRoutes } from './routes/metrics';
import { runRoutes } from './routes/runs';
import { sessionRoutes } from './routes/session';

function issueDetails(error: ZodError, where?: string): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: [...(where ? [where] : []), ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function invalid(error: ZodError, where?: string): ApiError {
  const details = issueDetails(error, where);
  const first = details[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid';
  return new ApiError('invalid_request', `The request is not valid (${summary})`, details);
}

/** Every zod validation failure at the edge becomes the one error shape; a bad path id is just "not found". */
const validationHook: Hook<unknown, ApiEnv, string, void> = (result) => {
  if (result.success) return;
  if (result.target === 'param') {
    throw notFound(result.error.issues.some((i) => i.path[0] === 'runId') ? 'collection run' : 'integration');
  }
  throw invalid(result.error, result.target === 'json' ? 'body' : result.target);
};

function fromHttpException(error: HTTPException): ApiError | undefined {
  switch (error.status) {
    case 400:
      return /malformed json/i.test(error.message)
        ? new ApiError('malformed_json', 'The request body is not valid JSON')
        : new ApiError('invalid_request', 'The request is not valid');
    case 401:
      return new ApiError('unauthorized', 'Authentication required');
    case 404:
      return new ApiError('not_found', 'Not found');
    case 413:
      return new ApiError('payload_too_large', 'The request body is too large');
    case 415:
      return new ApiError(
        'unsupported_media_type',
        'Send the body as JSON with Content-Type: application/json',
      );
    default:
      return undefined;
  }
}

/** Builds the HTTP API; never listens (api/main.ts does), so tests drive it with app.request(). */
export function createApp(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.use('*', securityHeaders());
  app.use('*', requestId());
  app.use('*', requestLog(deps.logger));
  if (deps.metrics) {
    app.use('*', requestMetrics(deps.metrics));
    app.route('/', metricsRoutes(deps.metrics));
  }
  app.route('/', healthRoutes(deps));

  app.use(
    '/v1/*',
    requireApiKey(deps.sql, {
      failuresPerMinute: deps.config.authFailuresPerMinute,
      now: deps.now,
      logger: deps.logger,
    }),
  );
  app.use('/v1/*', rateLimitPerKey(deps.config.rateLimitPerMinute, deps.now));
  app.use('/v1/*', requireScopeForWrites());
  app.use('/v1/*', limitConcurrentReports(deps.config.reportsPerTenant ?? 4));
  app.use('/v1/*', limitBodySize(deps.config.bodyLimitBytes));

  app.route('/v1/session', sessionRoutes());
  app.route('/v1/integrations', integrationRoutes(deps));
  app.route('/v1/integrations', integrationActionRoutes(deps));
  app.route('/v1/integrations', runRoutes(deps));
  app.route('/v1/integrations', collectedDataRoutes(deps));
  app.route('/v1/integrations', collectedExportRoutes(deps));
  // Insights paths are absolute (/v1/integrations/{id}/findings, /v1/findings, …), hence mounted at the root.
  app.route('/', insightRoutes(deps));

  mountDocs(app);
  // The web console at / speaks to the routes above through app.request, with the browser's own key and
  // connection (so per-address limits count the browser, not the console).
  app.route(
    '/',
    consoleRoutes({
      fetcher: (path, init, env) => app.request(path, init, env as object),
      temporalUi: deps.config.temporalUi,
    }),
  );

  app.notFound((c) => respond(c, new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    let known: ApiError | undefined;
    if (error instanceof ApiError) known = error;
    else if (error instanceof HTTPException) known = fromHttpException(error);
    else if (error instanceof ZodError) known = invalid(error);
    const infrastructure = known ? undefined : infrastructureError(error);
    if (infrastructure) {
      deps.logger.warn('request failed on infrastructure', {
        requestId: c.get('requestId'),
        code: infrastructure.code,
        error: { name: error.name, message: error.message },
      });
      return respond(c, infrastructure);
    }
    if (known) return respond(c, known);
    // The client gets a generic message; the details (never a secret: the logger redacts) go to the log.
    deps.logger.error('unhandled error', {
      requestId: c.get('requestId'),
      tenantId: c.get('tenantId') ?? null,
      method: c.req.method,
      error: { name: error.name, message: error.message, stack: error.stack },
    });
    return respond(
      c,
      new ApiError(
        'internal_error',
        'Something went wrong on our side. Quote the request id if you contact support',
      ),
    );
  });

  return app;
}

function respond(c: Context<ApiEnv>, error: ApiError) {
  return c.json(errorBody(error, c.get('requestId') ?? 'unknown'), error.status, error.headers);
}

export type ApiApp = ReturnType<typeof createApp>;
