import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { environmentSchema } from '../../platform/env';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<
    string,
    { build?: string; environment?: Record<string, unknown>; command?: string[]; healthcheck?: unknown }
  >;
};

describe('docker-compose.yml', () => {
  const ours = Object.entries(compose.services).filter(([, service]) => service.build === '.');

  it('builds worker, API and migrations from this repository', () => {
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    expect(compose.services.api?.healthcheck).toBeDefined();
  });

  it('sets only variables the environment module knows, and every required one', () => {
    const known = new Set(Object.keys(environmentSchema.shape));
    for (const [name, service] of ours) {
      const variables = Object.keys(service.environment ?? {});
      expect(
        variables.filter((v) => !known.has(v)),
        `unknown variables in ${name}`,
      ).toEqual([]);
      expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SECRETS_KEY']));
    }
  });

  it('registers every custom search attribute the workflows use', async () => {
    const { customSearchAttributes } = await import('../../workflows/search-attributes');
    const setup = JSON.stringify(compose.services['temporal-setup']?.command);
    for (const attribute of customSearchAttributes) expect(setup).toContain(attribute.name);
  });
});
