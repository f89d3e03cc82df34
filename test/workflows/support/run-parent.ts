import { defineQuery } from '@temporalio/workflow';
import type { CollectionRunInput, RunPhase } from '../../../workflows/definitions';

/** The contract of the stand-in parent in bundle-entry.ts, importable by tests without the workflow code. */
export interface RunParentInput {
  childWorkflowId: string;
  run: CollectionRunInput;
}

export const phasesQuery = defineQuery<RunPhase[]>('phases');
