// The workflow bundle's entry point: every workflow the worker runs.
export { integrationWorkflow, scheduledCollectionWorkflow, reconcilerWorkflow } from './integration';
