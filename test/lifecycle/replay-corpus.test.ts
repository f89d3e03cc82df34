import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/worker';

const corpusDir = fileURLToPath(new URL('../histories/', import.meta.url));

/**
 * Workflows here never end (an integration lives for months), so every release must replay the histories the
 * previous ones wrote. The corpus (test/histories/, recorded by continue-as-new.test.ts with
 * RECORD_WORKFLOW_HISTORIES=1) covers the entity and run workflows through continue-as-new, a quota pause, a
 * credentials change, a stop and a scheduled run. A change that breaks one of them needs `patched()` (README,
 * "Changing workflow code").
 */
describe('workflow history corpus', () => {
  it('replays every recorded history against the current workflow code', async () => {
    const files = readdirSync(corpusDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(readFileSync(`${corpusDir}${file}`, 'utf8'))),
    }));
    const types = new Set(
      histories.map(
        (h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
      ),
    );
    expect([...types].sort()).toEqual(
      expect.arrayContaining(['collectionRunWorkflow', 'integrationWorkflow', 'scheduledCollectionWorkflow']),
    );
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
