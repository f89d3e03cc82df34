import { describe, expect, it } from 'vitest';
import { type ZodError } from 'zod';
import { integrationOptionsSchema, parseIntegrationOptions } from '../../platform/integration-options';
import { detectionConfigFromOptions } from '../../insights/detection-config';

function issuesOf(value: unknown): string[] {
  try {
    integrationOptionsSchema.parse(value);
    return [];
  } catch (error) {
    return (error as ZodError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
}

describe('integration options', () => {
  it('fills the product defaults', () => {
    expect(parseIntegrationOptions({})).toMatchObject({
      quotaThresholdPercent: 75,
      timezone: 'UTC',
      loginHistoryDays: null,
      pageSize: 2000,
      detection: {},
    });
    expect(detectionConfigFromOptions({})).toMatchObject({ bruteForceFailures: 10, passwordSprayUsers: 15 });
  });

  it('applies detection overrides on top of the defaults', () => {
    const config = detectionConfigFromOptions({ detection: { bruteForceFailures: 5 } });
    expect(config).toMatchObject({ bruteForceFailures: 5, bruteForceWindowMinutes: 20 });
  });

  it('refuses out-of-range and unknown detection thresholds, naming the field', () => {
    expect(issuesOf({ detection: { bruteForceFailures: 1 } })).toEqual([
      expect.stringMatching(/^detection\.bruteForceFailures: /),
    ]);
    expect(issuesOf({ detection: { bruteForceFailurs: 12 } }).join()).toMatch(/bruteForceFailurs/);
  });

  it('refuses a time zone that does not exist and a threshold outside 1-100', () => {
    expect(issuesOf({ timezone: 'Mars/Olympus' }).join()).toMatch(/timezone: must be an IANA time zone/);
    expect(issuesOf({ quotaThresholdPercent: 0 }).join()).toMatch(/quotaThresholdPercent/);
  });

  it("stores a time zone under its canonical name, which Temporal Server's case-sensitive database knows", () => {
    expect(parseIntegrationOptions({ timezone: 'europe/paris' }).timezone).toBe('Europe/Paris');
    expect(parseIntegrationOptions({ timezone: 'america/santiago' }).timezone).toBe('America/Santiago');
  });
});
