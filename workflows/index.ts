// The workflow bundle's entry point: every workflow the worker runs.
export { integrationWorkflow } from './integration';
export { collectionRunWorkflow } from './collection-run';
export { scheduledCollectionWorkflow, reconcilerWorkflow } from './scheduled';
export { purgeIntegrationWorkflow } from './purge';
