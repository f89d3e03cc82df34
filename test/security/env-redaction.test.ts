import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, parseEnvironment } from '../../platform/env';

/** M4: a rejected secret (or a DATABASE_URL with its password) is never printed back. */
const badKey = 'c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWlzLXNob3J0'; // 31 bytes: one short
const goodKey = Buffer.alloc(32, 7).toString('base64');

function problems(source: Record<string, string>): string {
  try {
    parseEnvironment(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('configuration errors never echo secrets', () => {
  it.each([
    ['SECRETS_KEY', badKey, /SECRETS_KEY: must be 32 bytes.*44 characters, not shown/],
    ['SECRETS_PREVIOUS_KEYS', `k0:${goodKey},k1;${goodKey}`, /SECRETS_PREVIOUS_KEYS: must be id:base64key/],
    ['DATABASE_URL', 'mysql://identity:hunter2-db-password@db:3306/x', /DATABASE_URL: must be a postgres/],
  ])('%s: names the variable and the fix, not the value', (name, value, expected) => {
    const message = problems({ [name]: value });
    expect(message).toMatch(expected);
    expect(message).not.toContain(value);
    expect(message).not.toContain(goodKey);
    expect(message).not.toContain('hunter2');
  });

  it('still shows non-secret values, which help fix a typo', () => {
    expect(problems({ API_PORT: 'eighty' })).toContain('"eighty"');
  });

  it('a process entry point with a bad SECRETS_KEY prints the problem and not the key', () => {
    const script = fileURLToPath(new URL('../../platform/migrate-cli.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: 'postgres://identity:hunter2-db-password@127.0.0.1:1/x',
        SECRETS_KEY: badKey,
      },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('SECRETS_KEY: must be 32 bytes');
    expect(result.stderr).not.toContain(badKey);
    expect(result.stderr).not.toContain('hunter2');
  });
});
