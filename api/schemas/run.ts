import { z } from '@hono/zod-openapi';
import { runStatuses } from '../../workflows/definitions';
import { ObjectProgressSchema } from './integration';

const timestamp = z.string().openapi({ format: 'date-time' });

export const RunPauseSchema = z
  .object({
    reason: z.string().optional(),
    usage: z.number().nullable().optional(),
    max: z.number().nullable().optional(),
    threshold: z.number().nullable().optional(),
    at: timestamp.optional(),
    resumeAt: timestamp.nullable().optional(),
    resumedAt: timestamp.nullable().optional(),
  })
  .passthrough()
  .openapi('RunPause');

export const CollectionRunSchema = z
  .object({
    id: z.uuid(),
    integrationId: z.uuid(),
    kind: z.enum(['initial', 'incremental']),
    trigger: z.enum(['collect_now', 'schedule']),
    status: z.enum(runStatuses).openapi({
      description:
        'running/paused while active; succeeded, partial (stopped by its API budget; the next run continues), failed or cancelled is the outcome.',
    }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    apiCalls: z.number().int(),
    progress: z.record(z.string(), ObjectProgressSchema).openapi({ description: 'Per Salesforce object.' }),
    records: z.record(z.string(), z.number().int()).openapi({ description: 'Records collected per object.' }),
    totalRecords: z.number().int(),
    pauses: z.array(RunPauseSchema),
    error: z.string().nullable(),
  })
  .openapi('CollectionRun');

export const RunIdParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, description: 'Integration id' }),
  runId: z.uuid().openapi({ param: { name: 'runId', in: 'path' }, description: 'Collection run id' }),
});

export type CollectionRun = z.infer<typeof CollectionRunSchema>;
