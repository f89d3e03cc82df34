import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { historyText } from '../support/history-text';

describe('historyText', () => {
  it('finds a string hidden in an encoded payload (so secret-leak checks can fail)', () => {
    const payload = defaultPayloadConverter.toPayload({ consumerSecret: 'S3cr3t-value' });
    const history = temporal.api.history.v1.History.decode(
      temporal.api.history.v1.History.encode({
        events: [{ workflowExecutionSignaledEventAttributes: { input: { payloads: [payload] } } }],
      }).finish(),
    );
    expect(JSON.stringify(history)).not.toContain('S3cr3t-value');
    expect(historyText(history)).toContain('S3cr3t-value');
  });
});
