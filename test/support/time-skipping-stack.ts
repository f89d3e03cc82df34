import { afterAll, beforeAll } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { connectTestServices, type TestServices } from './context';
import { startTimeSkippingEnvironment } from './time-skipping';

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  services: TestServices;
  simulator: RunningSimulator;
}

/**
 * The time-skipping server, the run's PostgreSQL and a Salesforce simulator for the calling describe block:
 * started before its first test, stopped after its last. The block's own later afterAll hooks run first
 * (vitest's default hook order, https://vitest.dev/config/sequence#sequence-hooks), so a test's worker stops
 * before the server does. Fields are set once beforeAll has run.
 */
export function useTimeSkippingStack(): TimeSkippingStack {
  const stack = {} as TimeSkippingStack;
  beforeAll(async () => {
    stack.env = await startTimeSkippingEnvironment();
    stack.services = await connectTestServices();
    stack.simulator = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await stack.simulator?.close();
    await stack.services?.close();
    await stack.env?.teardown();
  });
  return stack;
}
