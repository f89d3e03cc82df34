// The fast tier's workflow bundle: the product's workflows unchanged, plus a stand-in parent that lets a test
// run one collection run on its own (the run signals its phases to its parent, so it cannot run parentless).
import { executeChild, setHandler } from '@temporalio/workflow';
import { collectionRunWorkflow } from '../../../workflows/collection-run';
import { runPhaseSignal, type CollectionRunOutcome, type RunPhase } from '../../../workflows/definitions';
import { phasesQuery, type RunParentInput } from './run-parent';

export * from '../../../workflows/index';

/** Runs one collection run as its child and keeps every phase the run reports, for the test to query. */
export async function runParentWorkflow(input: RunParentInput): Promise<CollectionRunOutcome> {
  const phases: RunPhase[] = [];
  setHandler(runPhaseSignal, (phase) => void phases.push(phase));
  setHandler(phasesQuery, () => phases);
  return executeChild(collectionRunWorkflow, { workflowId: input.childWorkflowId, args: [input.run] });
}
