import type { ActivityDependencies } from '../dependencies';
import { collectObject, type CollectObjectInput, type CollectObjectResult } from './collect-object';

export type { CollectObjectInput, CollectObjectResult } from './collect-object';

export function createCollectionActivities(deps: ActivityDependencies) {
  return {
    /** Collects one object for a run; resumable, quota-guarded, idempotent. */
    collectObject(input: CollectObjectInput): Promise<CollectObjectResult> {
      return collectObject(deps, input);
    },
  };
}
