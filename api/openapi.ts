import { z } from '@hono/zod-openapi';
import { errorStatuses, type ErrorCode } from './errors';

export const bearerSecurity = [{ bearerAuth: [] }];

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatuses) as [ErrorCode, ...ErrorCode[]]).openapi({
        description: 'Stable machine-readable code; see the table in the API description.',
      }),
      message: z.string().openapi({ description: 'What went wrong and, where possible, how to fix it.' }),
      details: z
        .unknown()
        .optional()
        .openapi({ description: 'For validation errors: a list of { path, message }.' }),
      requestId: z.string().openapi({ description: 'Also in the X-Request-Id header; quote it to support.' }),
    }),
  })
  .openapi('Error');

const descriptions: Record<number, string> = {
  400: 'Invalid request: malformed JSON or a parameter, query or body field that failed validation',
  401: 'Missing, invalid, expired or revoked API key',
  403: 'The API key has the read scope; this operation needs an admin key',
  404: 'No such resource for this tenant (also for malformed ids)',
  409: 'The integration is in a state that does not allow this',
  413: 'Request body too large',
  415: 'Content-Type must be application/json',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Unexpected error; logged with the request id',
  503: 'The integration workflow (Temporal) did not answer; retry later',
};

/** Error responses for a route: the common ones plus those it names. */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([400, 401, 429, 500, ...statuses])].sort();
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
    ]),
  );
}

export const IntegrationIdParams = z.object({
  id: z.uuid().openapi({
    param: { name: 'id', in: 'path' },
    description: 'Integration id',
    example: '3f2b8c1e-6b1a-4d4e-9a57-0c6f1b2a9d10',
  }),
});
