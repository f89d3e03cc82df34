import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** M8: the compose deployment publishes only the API, the Temporal UI is an explicit opt-in, .env stays out of images. */
type Service = { ports?: string[]; profiles?: string[]; environment?: Record<string, unknown> };
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service> };
const raw = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');

describe('docker-compose.yml exposure', () => {
  it('by default only the API publishes a port, and on loopback', () => {
    const published = Object.entries(compose.services)
      .filter(([, service]) => !service.profiles && service.ports?.length)
      .map(([name, service]) => [name, service.ports]);
    expect(published).toEqual([['api', ['127.0.0.1:3000:3000']]]);
  });

  it('the Temporal frontend (7233) is never published', () => {
    for (const service of Object.values(compose.services)) {
      expect((service.ports ?? []).some((p) => p.includes('7233'))).toBe(false);
    }
  });

  it('the Temporal UI needs a profile, binds to loopback, is read-only, and carries a warning', () => {
    const ui = compose.services['temporal-ui']!;
    expect(ui.profiles).toEqual(['temporal-ui']);
    expect(ui.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(ui.environment).toMatchObject({ TEMPORAL_DISABLE_WRITE_ACTIONS: 'true' });
    expect(raw).toMatch(/WARNING: the Temporal UI has no authentication/);
  });
});

describe('.dockerignore', () => {
  it('keeps .env (and its variants) out of the build context, but not the example', () => {
    const lines = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8').split('\n');
    expect(lines).toContain('.env');
    expect(lines).toContain('.env.*');
    expect(lines).toContain('!.env.example');
  });
});

describe('SECURITY.md', () => {
  it('states what is trusted, what is not, and what an operator must configure', () => {
    const text = readFileSync(new URL('../../SECURITY.md', import.meta.url), 'utf8');
    for (const heading of [/## Trusted/, /## Not trusted/, /## What an operator must configure/]) {
      expect(text).toMatch(heading);
    }
  });
});
