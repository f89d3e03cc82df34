import { z } from 'zod';

/**
 * Response shapes, validated leniently: Salesforce adds fields between releases (scope, token_format,
 * api_instance_url...), so objects are loose and only what we use is required.
 */

/** Client-credentials token response (chatterapi quickstart_connecting.htm): no expires_in, no refresh token. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  instance_url: z.url(),
  /** Identity URL `.../id/<orgId>/<userId>`: the Run As user. */
  id: z.string().min(1),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** Token endpoint failures: `{"error": ..., "error_description": ...}` (remoteaccess_oauth_flow_errors.htm). */
export const tokenErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
});

/** REST errors are an array of `{message, errorCode}` (api_rest errorcodes.htm); key order varies. */
export const restErrorSchema = z.array(
  z.looseObject({
    errorCode: z.string(),
    message: z.string().optional().default(''),
  }),
);

export const queryResultSchema = z.looseObject({
  totalSize: z.number().int().nonnegative(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.unknown()),
});
export type QueryResult = z.infer<typeof queryResultSchema>;

const limitSchema = z.looseObject({ Max: z.coerce.number(), Remaining: z.coerce.number() });
/** `/limits`: name → {Max, Remaining}; older versions quoted the numbers, hence coerce. */
export const limitsSchema = z.looseObject({ DailyApiRequests: limitSchema });
export type OrgLimits = z.infer<typeof limitsSchema>;
