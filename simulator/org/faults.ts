import { z } from 'zod';

/** Faults an org can be switched into at run time; rates are probabilities per counted REST call. */
export const faultsSchema = z
  .object({
    latencyMs: z.number().min(0).max(120_000).default(0),
    latencyJitterMs: z.number().min(0).max(120_000).default(0),
    /** 503 SERVER_UNAVAILABLE. */
    unavailableRate: z.number().min(0).max(1).default(0),
    /** The connection is destroyed after part of the response body was sent. */
    dropConnectionRate: z.number().min(0).max(1).default(0),
    /** Every Nth authenticated REST call revokes all sessions first (the call then gets 401). */
    revokeTokensEveryCalls: z.number().int().min(1).nullable().default(null),
    /** 403 REQUEST_LIMIT_EXCEEDED from the concurrent long-running request limit, at this rate. */
    concurrencyLimitRate: z.number().min(0).max(1).default(0),
    /** 403 REQUEST_LIMIT_EXCEEDED (concurrency) whenever more requests than this are in flight. */
    maxConcurrentRequests: z.number().int().min(1).nullable().default(null),
    /** 403 API_DISABLED_FOR_ORG on every REST call. */
    apiDisabled: z.boolean().default(false),
  })
  .strict();

export type Faults = z.output<typeof faultsSchema>;
export type FaultsInput = z.input<typeof faultsSchema>;

export const NO_FAULTS: Faults = faultsSchema.parse({});
