import { z } from '@hono/zod-openapi';
import { integrationOptionsSchema } from '../../platform/integration-options';
import { runStatuses } from '../../workflows/definitions';
import { checkSalesforceUrl, type LocalSalesforceUrls } from '../salesforce-url';

const integrationStates = [
  'awaiting_test',
  'connected',
  'initial_collection',
  'idle',
  'incremental_collection',
  'paused_by_user',
  'paused_for_quota',
  'needs_attention',
  'disconnected',
] as const;

export const IntegrationStateSchema = z.enum(integrationStates).openapi('IntegrationState');

// Rebuilt from the shape rather than calling .openapi() on the shared schema: zod 4 adds .openapi() only to
// schemas created after @hono/zod-openapi loaded, and platform code may load first.
export const IntegrationOptionsSchema = z
  .object(integrationOptionsSchema.shape)
  .strict()
  .openapi('IntegrationOptions', {
    description: 'Per-integration settings; omitted fields take the product defaults.',
  });

type OptionsShape = typeof integrationOptionsSchema.shape;
/** Every option optional and without its default, so a PATCH changes only what it names. */
const optionsPatchShape = Object.fromEntries(
  Object.entries(integrationOptionsSchema.shape).map(([name, field]) => [name, field.unwrap().optional()]),
) as { [K in keyof OptionsShape]: z.ZodOptional<ReturnType<OptionsShape[K]['unwrap']>> };

export const IntegrationOptionsPatchSchema = z
  .object(optionsPatchShape)
  .strict()
  .openapi('IntegrationOptionsPatch', { description: 'Only the options named are changed.' });

const displayName = z.string().trim().min(1).max(200).openapi({ example: 'Acme production' });
// Consumer keys and secrets are opaque tokens; whitespace inside one is always a copy-paste mistake.
const consumerKey = z
  .string()
  .trim()
  .min(10)
  .max(256)
  .regex(/^\S+$/, 'must not contain spaces')
  .openapi({ description: 'Connected App / External Client App consumer key.', example: '3MVG9…' });
const consumerSecret = z
  .string()
  .trim()
  .min(8)
  .max(256)
  .regex(/^\S+$/, 'must not contain spaces')
  .openapi({ description: 'Consumer secret. Stored encrypted; never returned (see consumerSecretMasked).' });

export function salesforceUrlSchema(allowLocal: LocalSalesforceUrls) {
  return z
    .string()
    .max(2048)
    .transform((value, ctx) => {
      const check = checkSalesforceUrl(value, { allowLocal });
      if (!check.ok) {
        ctx.addIssue({ code: 'custom', message: check.reason });
        return z.NEVER;
      }
      return check.url;
    })
    .openapi({
      type: 'string',
      description:
        "The org's My Domain URL (Setup → My Domain): https://<name>.my.salesforce.com, " +
        'https://<name>--<sandbox>.sandbox.my.salesforce.com or https://<name>-dev-ed.develop.my.salesforce.com. ' +
        'No path, port, query or credentials; login.salesforce.com is refused.',
      example: 'https://acme.my.salesforce.com',
    });
}

export function createIntegrationBodySchema(allowLocal: LocalSalesforceUrls) {
  return z
    .object({
      displayName,
      salesforceUrl: salesforceUrlSchema(allowLocal),
      consumerKey,
      consumerSecret,
      options: IntegrationOptionsSchema.optional(),
    })
    .strict()
    .openapi('CreateIntegration');
}

export const UpdateIntegrationBodySchema = z
  .object({
    displayName: displayName.optional(),
    options: IntegrationOptionsPatchSchema.optional(),
    credentials: z
      .object({ consumerKey: consumerKey.optional(), consumerSecret: consumerSecret.optional() })
      .strict()
      .refine((v) => v.consumerKey !== undefined || v.consumerSecret !== undefined, {
        message: 'give consumerKey, consumerSecret or both',
      })
      .optional()
      .openapi({ description: 'New credentials; the workflow is told and uses them from its next call.' }),
  })
  .strict()
  .refine((v) => v.displayName !== undefined || v.options !== undefined || v.credentials !== undefined, {
    message: 'nothing to change: give displayName, options or credentials',
  })
  .openapi('UpdateIntegration');

const timestamp = z.string().openapi({ format: 'date-time', example: '2026-05-01T10:00:00.000Z' });

const ConnectivityCheckSchema = z
  .object({
    name: z.string().openapi({ example: 'manage_users' }),
    title: z.string(),
    status: z.enum(['pass', 'fail', 'skipped']),
    detail: z.string().optional(),
    fix: z
      .string()
      .optional()
      .openapi({ description: 'On failure: the Salesforce setup step that fixes it.' }),
  })
  .openapi('ConnectivityCheck');
const checks = z.array(ConnectivityCheckSchema).optional().openapi({
  description:
    'Every requirement, in order, with pass/fail and its fix (absent on results recorded earlier).',
});

export const ConnectivityResultSchema = z
  .union([
    z.object({
      ok: z.literal(true),
      message: z.literal('Connected!'),
      edition: z.string().openapi({ example: 'Enterprise Edition' }),
      orgId: z.string(),
      apiUsage: z.object({ used: z.number(), max: z.number(), percent: z.number() }),
      checks,
      checkedAt: timestamp,
    }),
    z.object({
      ok: z.literal(false),
      code: z.string().openapi({ description: 'Classified failure, e.g. invalid_client.' }),
      message: z.string(),
      fix: z.string().openapi({ description: 'The Salesforce setup step to fix it.' }),
      checks,
      checkedAt: timestamp,
    }),
  ])
  .openapi('ConnectivityResult');

export const IntegrationSchema = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    salesforceUrl: z.string(),
    consumerKey: z.string(),
    consumerSecretMasked: z
      .string()
      .openapi({ example: '••••••••a1b2', description: 'Last 4 characters only.' }),
    credentialsVersion: z.number().int(),
    options: IntegrationOptionsSchema,
    state: IntegrationStateSchema,
    enabled: z.boolean(),
    orgId: z.string().nullable(),
    edition: z.string().nullable(),
    lastTest: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Last Test Connectivity result.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
    disconnectedAt: timestamp.nullable(),
  })
  .openapi('Integration');

export const ObjectProgressSchema = z
  .object({
    pages: z.number().int(),
    records: z.number().int(),
    cursor: z.string().nullable(),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .openapi('ObjectProgress');

export const QuotaStatusSchema = z
  .object({
    used: z.number().nullable(),
    max: z.number().nullable(),
    usagePercent: z.number().nullable(),
    thresholdPercent: z.number(),
    pausedUntil: timestamp.nullable(),
    observedAt: timestamp.nullable(),
  })
  .openapi('QuotaStatus');

export const RunSummarySchema = z
  .object({
    runId: z.string(),
    kind: z.enum(['initial', 'incremental']),
    status: z.enum(runStatuses),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    apiCalls: z.number().int(),
    records: z.record(z.string(), z.number()),
    error: z.string().nullable(),
  })
  .openapi('RunSummary');

export const CurrentRunSchema = z
  .object({
    runId: z.string(),
    kind: z.enum(['initial', 'incremental']),
    trigger: z.enum(['collect_now', 'schedule']),
    startedAt: timestamp,
    currentObject: z.string().nullable(),
    objects: z.record(z.string(), ObjectProgressSchema),
    apiCalls: z.number().int(),
  })
  .openapi('CurrentRun');

export const IntegrationDetailSchema = IntegrationSchema.extend({
  statusSource: z.enum(['mirror', 'database']).openapi({
    description:
      '`mirror`: the status the integration workflow last wrote to PostgreSQL (at statusUpdatedAt), with run ' +
      'progress as written with every page; the current and last run come from the same write as the state, ' +
      'so they never contradict it. `database`: the workflow has not reported yet, was found not running, or ' +
      'the integration is disconnected (see statusNote and workflowRunning), so state and runs come from ' +
      'stored rows alone.',
  }),
  workflowRunning: z
    .boolean()
    .nullable()
    .openapi({
      description:
        '`true`: the status is the one the running integration workflow last wrote. `false`: the integration ' +
        'is disconnected, or the reconciler (every 10 minutes) found no running workflow for it, e.g. one ' +
        'terminated outside the product; the reconciler restarts it and this turns `true` with its first status. ' +
        '`null`: not known yet (the workflow has not reported). A workflow terminated since the last ' +
        'reconciler pass still shows `true` until that pass.',
    }),
  statusUpdatedAt: timestamp.nullable().openapi({
    description:
      'When the workflow last changed its mirrored status (state, quota, pause, attention). Run progress is ' +
      'fresher: it is written with every page.',
  }),
  statusNote: z.string().nullable(),
  resumeState: IntegrationStateSchema.nullable(),
  initialCollectionDone: z.boolean().nullable(),
  currentRun: CurrentRunSchema.nullable(),
  lastRun: RunSummarySchema.nullable(),
  quota: QuotaStatusSchema.nullable(),
  pausedUntil: timestamp.nullable(),
  attention: z.object({ code: z.string(), message: z.string(), fix: z.string() }).nullable(),
  schedule: z
    .object({
      id: z.string(),
      paused: z.boolean(),
      nextRunTimes: z.array(timestamp),
    })
    .nullable()
    .openapi({
      description: 'The daily incremental schedule; null before the initial collection created it.',
    }),
}).openapi('IntegrationDetail');

export const PurgeAcceptedSchema = z
  .object({
    id: z.uuid(),
    status: z.literal('purging').openapi({
      description:
        'The integration is gone from the API; its collected data is being deleted in the background.',
    }),
  })
  .openapi('PurgeAccepted');

/** The answers' types, from the schemas that validate and document them (tests read responses as these). */
export type Integration = z.infer<typeof IntegrationSchema>;
export type IntegrationDetail = z.infer<typeof IntegrationDetailSchema>;
export type ConnectivityAnswer = z.infer<typeof ConnectivityResultSchema>;
