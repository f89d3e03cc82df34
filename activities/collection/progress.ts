import type { Client } from '@temporalio/client';
import type { Logger } from '../../platform/logger';
import {
  collectionProgressSignal,
  integrationWorkflowId,
  type CollectionProgress,
} from '../../workflows/definitions';

export type { CollectionProgress };

const MIN_INTERVAL_MS = 30_000;

/**
 * Sends progress to the integration workflow at most every 30 s (plus a final one), so a 50-page pass adds a
 * couple of history events, not fifty. A failed signal is logged and ignored: progress is cosmetic.
 */
export function createProgressReporter(temporal: Client, integrationId: string, logger: Logger) {
  let lastSentAt = 0;
  return async (progress: CollectionProgress, force = false): Promise<void> => {
    const at = Date.now();
    if (!force && at - lastSentAt < MIN_INTERVAL_MS) return;
    lastSentAt = at;
    try {
      await temporal.workflow
        .getHandle(integrationWorkflowId(integrationId))
        .signal(collectionProgressSignal, progress);
    } catch (error) {
      logger.warn('could not signal collection progress', { object: progress.object, error });
    }
  };
}
