import type { ActivityDependencies } from './dependencies';
import { createRunActivities } from './runs';
import { createScheduleActivities } from './schedules';
import { createConnectivityActivities } from './connectivity';
import { createCollectionActivities } from './collection';
import { createInsightActivities } from './insights';
import { withKeepAliveHeartbeat } from './keep-alive';
import { createPurgeActivities } from './purge';

/** Every activity the worker registers, built from explicit dependencies (no module-level state). */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createRunActivities(deps),
    ...createScheduleActivities(deps),
    ...createConnectivityActivities(deps),
    ...createCollectionActivities(deps),
    ...withKeepAliveHeartbeat(createInsightActivities(deps)),
    ...createPurgeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
