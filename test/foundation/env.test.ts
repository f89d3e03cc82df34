import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { ConfigurationError, environmentSchema, parseEnvironment } from '../../platform/env';

describe('environment module', () => {
  it('applies defaults when nothing is set', () => {
    const env = parseEnvironment({});
    expect(env).toMatchObject({
      API_PORT: 3000,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_PORT: 8233,
      ALLOW_LOCAL_SALESFORCE_URLS: false,
    });
  });

  it('names every malformed variable and what is expected', () => {
    let error: unknown;
    try {
      parseEnvironment({ API_PORT: 'eighty', DATABASE_URL: 'mysql://x', SECRETS_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toMatch(/API_PORT/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ connection URL/);
    expect(message).toMatch(/SECRETS_KEY: must be 32 bytes/);
  });

  it('leaves the pages in flight to the worker unless set, and refuses a budget below one page', () => {
    expect(parseEnvironment({}).WORKER_MAX_PAGES_IN_FLIGHT).toBeUndefined();
    expect(parseEnvironment({ WORKER_MAX_PAGES_IN_FLIGHT: '12' }).WORKER_MAX_PAGES_IN_FLIGHT).toBe(12);
    expect(() => parseEnvironment({ WORKER_MAX_PAGES_IN_FLIGHT: '0' })).toThrow(/WORKER_MAX_PAGES_IN_FLIGHT/);
  });

  it('names a missing required variable', () => {
    expect(() => parseEnvironment({}, ['DATABASE_URL'])).toThrow(
      /DATABASE_URL is required: expected a postgres:\/\/ connection URL/,
    );
  });

  it('stops a process entry point with the message and no stack trace', () => {
    const script = fileURLToPath(new URL('../../platform/migrate-cli.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'not-a-url' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL: must be a postgres:// connection URL');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('.env.example documents every variable the module reads, and nothing else', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(environmentSchema.shape).sort());
  });
});
