import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import type { CollectionRequest } from '../../api/routes/integration-actions';
import type { ConnectivityAnswer } from '../../api/schemas/integration';
import { buildTestApp } from '../api/support/harness';
import {
  connectedIntegration,
  liveTenant,
  orgIntegration,
  startLiveStack,
  stopLiveStack,
  waitForRunFinished,
  type LiveStack,
} from '../api/support/live';

/**
 * H2: Test Connectivity and Collect Now spend the customer's Salesforce API quota and a workflow update each,
 * so they are throttled per integration: 429 with Retry-After (and the last test result), no Salesforce call.
 */
/** A throttled Test Connectivity: the error carries the last result. */
type Throttled = ErrorBody & { error: { details: { lastResult: ConnectivityAnswer } } };

let stack: LiveStack;
let clockOffsetMs = 0;
const control = () => stack.simulator.simulator.control;

beforeAll(async () => {
  const live = await startLiveStack();
  // The same stack with the product's default cooldowns and a clock the test can move forward.
  const harness = buildTestApp(live.services, {
    secrets: live.secrets.box,
    now: () => new Date(Date.now() + clockOffsetMs),
    config: { allowLocalSalesforceUrls: true, taskQueue: live.worker.taskQueue },
  });
  stack = { ...live, harness };
});

afterAll(async () => {
  await stopLiveStack(stack ?? {});
});

describe('Test Connectivity throttle', () => {
  it('a second test within the cooldown is 429 with Retry-After and the cached result, and costs no Salesforce call', async () => {
    const { api } = await liveTenant(stack);
    const { org, id } = await orgIntegration(stack, api);
    const first = await api<ConnectivityAnswer>('POST', `/v1/integrations/${id}/test`);
    expect(first.status).toBe(200);
    expect(first.body.ok).toBe(true);
    const spent = control().counters(org.key);

    const second = await api<Throttled>('POST', `/v1/integrations/${id}/test`);
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('rate_limited');
    expect(second.body.error.message).toMatch(/retry after \d+ s/);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(15);
    expect(second.body.error.details.lastResult).toEqual(first.body);
    expect(control().counters(org.key).apiCallsCounted).toBe(spent.apiCallsCounted);
    expect(control().counters(org.key).tokenRequests).toBe(spent.tokenRequests);

    // After the cooldown the button works again.
    clockOffsetMs += 16_000;
    const third = await api<ConnectivityAnswer>('POST', `/v1/integrations/${id}/test`);
    expect(third.status).toBe(200);
    expect(third.body.checkedAt).not.toBe(first.body.checkedAt);
  });

  it('simultaneous tests of one integration share one test', async () => {
    const { api } = await liveTenant(stack);
    const { org, id } = await orgIntegration(stack, api);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api<ConnectivityAnswer>('POST', `/v1/integrations/${id}/test`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.checkedAt)).size).toBe(1);
    expect(control().counters(org.key).tokenRequests).toBe(1);
  });
});

describe('Collect Now throttle', () => {
  it('answers an active run from the database, and a new run within the cooldown is 429 with no run started', async () => {
    const { api } = await liveTenant(stack);
    const { org, id } = await connectedIntegration(stack, api, { users: 40, logins: 400 });
    control().setFaults(org.key, { latencyMs: 150 });
    const first = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
    expect(first.status).toBe(202);
    const runId = first.body.runId;
    const again = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ runId, started: false });
    control().clearFaults(org.key);
    await waitForRunFinished(api, id, runId);

    const refused = await api<ErrorBody>('POST', `/v1/integrations/${id}/collect`);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const [runs] = await stack.services.sql<{ n: number }[]>`
      select count(*)::int as n from collection_runs where integration_id = ${id}`;
    expect(runs!.n).toBe(1);

    clockOffsetMs += 61_000;
    const later = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
    expect(later.status).toBe(202);
    expect(later.body).toMatchObject({ started: true, kind: 'incremental' });
    await waitForRunFinished(api, id, later.body.runId);
  });
});
