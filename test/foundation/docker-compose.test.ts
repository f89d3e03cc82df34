import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { environmentSchema } from '../../platform/env';
import { entryPoints } from '../../dev/build';

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
  });

  it('runs the compiled build with node, never npm or tsx', () => {
    for (const [name, service] of ours) {
      const [runtime, ...rest] = service.command ?? [];
      expect(runtime, name).toBe('node');
      const entry = rest.find((arg) => !arg.startsWith('--'));
      expect(entry, name).toMatch(/^dist\/.+\.js$/);
      // Every entry point the compose file runs is one the build produces.
      expect(entryPoints.map((e) => `dist/${e.replace(/\.ts$/, '.js')}`)).toContain(entry);
    }
  });

  it('health-checks the worker and the API on the endpoints they serve', () => {
    const probe = (name: string) => JSON.stringify(compose.services[name]?.healthcheck);
    const worker = compose.services.worker!.environment!;
    expect(probe('worker')).toContain(`127.0.0.1:${worker.WORKER_HTTP_PORT}/healthz`);
    // Listening on loopback only would make the probe pass while Prometheus on the network cannot scrape.
    expect(worker.WORKER_HTTP_HOST).toBe('0.0.0.0');
    expect(probe('api')).toContain(`127.0.0.1:${compose.services.api!.environment!.API_PORT}/readyz`);
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

describe('Dockerfile', () => {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages.at(-1)!;

  it('builds in one stage and runs only production dependencies and dist/ in the next', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(final).not.toMatch(/COPY \. \./);
    expect(final).toMatch(/COPY --from=build \/app\/dist/);
  });

  it('runs node as an unprivileged user behind an init that forwards signals', () => {
    const directives = final.split('\n').map((l) => l.trim());
    const user = directives.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/root|\b0\b/);
    expect(directives.find((l) => l.startsWith('ENTRYPOINT'))).toMatch(/tini/);
    const cmd = JSON.parse(directives.find((l) => l.startsWith('CMD'))!.slice(4)) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toMatch(/^dist\/.+\.js$/);
  });
});
