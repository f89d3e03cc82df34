import type { ActivityDependencies } from '../dependencies';
import { collectObject, type CollectObjectInput, type CollectObjectResult } from './collect-object';
import { planSegments, type PlanSegmentsInput, type PlanSegmentsResult } from './segments';

export type { CollectObjectInput, CollectObjectResult } from './collect-object';
export type { PlanSegmentsInput, PlanSegmentsResult } from './segments';
export { PageBudget } from './page-budget';

export function createCollectionActivities(deps: ActivityDependencies) {
  return {
    /** Collects one object for a run; resumable, quota-guarded, idempotent. */
    collectObject(input: CollectObjectInput): Promise<CollectObjectResult> {
      return collectObject(deps, input);
    },
    /** Splits a long pass into segments collected in parallel (or adopts the existing split). */
    planSegments(input: PlanSegmentsInput): Promise<PlanSegmentsResult> {
      return planSegments(deps, input);
    },
  };
}
