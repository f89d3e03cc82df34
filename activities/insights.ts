import { z } from 'zod';
import { recomputeFindings as recompute, type RecomputeResult } from '../insights/findings';
import type { ActivityDependencies } from './dependencies';

const recomputeInputSchema = z.object({
  integrationId: z.uuid(),
  /** The run this recompute follows, for logs only. */
  runId: z.string().optional(),
  /** LoginTime from which the run brought new LoginHistory (ISO 8601); null recomputes everything. */
  since: z.iso.datetime({ offset: true }).nullable(),
});

export type RecomputeFindingsInput = z.input<typeof recomputeInputSchema>;

/**
 * Identity insight activities, called by the integration workflow after each collection run. The result
 * holds only counts, never user data, because it lands in workflow history.
 */
export function createInsightActivities(deps: ActivityDependencies) {
  return {
    async recomputeFindings(input: RecomputeFindingsInput): Promise<RecomputeResult> {
      const { integrationId, runId, since } = recomputeInputSchema.parse(input);
      const started = Date.now();
      const result = await recompute(deps.sql, {
        integrationId,
        since: since ? new Date(since) : null,
        now: deps.now(),
      });
      deps.logger.info('findings recomputed', {
        integrationId,
        runId,
        mode: since ? 'incremental' : 'full',
        since,
        ms: Date.now() - started,
        ...result,
      });
      return result;
    },
  };
}
