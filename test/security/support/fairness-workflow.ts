import { proxyActivities } from '@temporalio/workflow';

/** Schedules `slices` activities at once on `taskQueue`, as a collection run's lanes do, and waits for them. */
export async function sliceBurstWorkflow(input: {
  name: string;
  slices: number;
  taskQueue: string;
}): Promise<void> {
  const { slice } = proxyActivities<{ slice(name: string): Promise<void> }>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '1 minute',
  });
  await Promise.all(Array.from({ length: input.slices }, (_, i) => slice(`${input.name}-${i}`)));
}
