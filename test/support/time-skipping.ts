import { TestWorkflowEnvironment } from '@temporalio/testing';
// @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot see; take the default export.
import proto from '@temporalio/proto';
import { ensureTemporalExecutable } from '../../dev/temporal-tools';
import { customSearchAttributes } from '../../workflows/search-attributes';

/**
 * Temporal's time-skipping test server (the only one that lets a day-long timer fire inside a test), with the
 * product's search attributes registered. It has no Schedules and no visibility listing.
 */
export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const path = await ensureTemporalExecutable('temporal-test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      customSearchAttributes.map((a) => [
        a.name,
        proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return env;
}
