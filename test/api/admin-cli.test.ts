import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseAdminCommand,
  runAdminCommand,
  UsageError,
} from '../../api/admin/commands';
import { authenticateApiKey, hashApiKey } from '../../platform/api-keys';
import { connectTestServices } from '../support/context';
import type { Services } from './support/harness';

const run = promisify(execFile);

describe('admin command (tenants and API keys)', () => {
  let services: Services;
  beforeAll(async () => {
    services = await connectTestServices();
  });
  afterAll(async () => services?.close());

  const exec = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdminCommand(
      services.sql,
      parseAdminCommand(argv),
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('parses every command and refuses bad usage clearly', () => {
    expect(parseAdminCommand(['tenant', 'create', 'Acme'])).toEqual({ kind: 'tenant create', name: 'Acme' });
    expect(parseAdminCommand(['key', 'create', '--tenant', 'Acme', '--name=ci'])).toEqual({
      kind: 'key create',
      tenant: 'Acme',
      name: 'ci',
      scope: 'admin',
    });
    expect(parseAdminCommand(['key', 'list'])).toEqual({ kind: 'key list' });
    expect(parseAdminCommand([])).toEqual({ kind: 'help' });
    expect(() => parseAdminCommand(['tenant', 'create'])).toThrow(UsageError);
    expect(() => parseAdminCommand(['key', 'create'])).toThrow(/--tenant/);
    expect(() => parseAdminCommand(['key', 'create', '--tenant'])).toThrow(/needs a value/);
    expect(() => parseAdminCommand(['key', 'create', '--tenant', 'a', '--bogus', 'x'])).toThrow(
      /Unknown option --bogus/,
    );
    expect(() => parseAdminCommand(['tenant', 'destroy'])).toThrow(/Unknown command "tenant destroy"/);
  });

  it('creates a tenant and a key shown once, stored only as a hash, then lists and revokes it', async () => {
    const tenant = `acme-${randomUUID()}`;
    expect((await exec('tenant', 'create', tenant)).code).toBe(EXIT_OK);
    const duplicate = await exec('tenant', 'create', tenant);
    expect(duplicate).toMatchObject({ code: EXIT_FAILED, err: expect.stringMatching(/already exists/) });

    const created = await exec('key', 'create', '--tenant', tenant, '--name', 'ci');
    expect(created.code).toBe(EXIT_OK);
    const key = /(ic_live_[A-Za-z0-9_-]{43})/.exec(created.out)![1]!;
    const [stored] = await services.sql<{ id: string; key_hash: Buffer; prefix: string }[]>`
      select k.id, k.key_hash, k.prefix from api_keys k join tenants t on t.id = k.tenant_id where t.name = ${tenant}`;
    expect(stored!.key_hash.equals(hashApiKey(key))).toBe(true);
    expect(key.startsWith(stored!.prefix)).toBe(true);
    const [leak] = await services.sql`select 1 from api_keys where prefix = ${key} or name = ${key}`;
    expect(leak).toBeUndefined();
    expect(await authenticateApiKey(services.sql, key)).toMatchObject({ apiKeyId: stored!.id });

    const listed = await exec('key', 'list', '--tenant', tenant);
    expect(listed.out).toContain(stored!.id);
    expect(listed.out).toContain('active');
    expect(listed.out).not.toContain(key);
    expect((await exec('tenant', 'list')).out).toContain(tenant);

    expect((await exec('key', 'revoke', stored!.id)).code).toBe(EXIT_OK);
    expect(await authenticateApiKey(services.sql, key)).toBeUndefined();
    expect((await exec('key', 'list', '--tenant', tenant)).out).toContain('revoked');
  });

  it('fails clearly for an unknown tenant or key', async () => {
    expect(await exec('key', 'create', '--tenant', 'no-such-tenant')).toMatchObject({
      code: EXIT_FAILED,
      err: expect.stringMatching(/No tenant named "no-such-tenant"/),
    });
    expect((await exec('key', 'revoke', randomUUID())).code).toBe(EXIT_FAILED);
    expect((await exec('key', 'revoke', 'not-a-uuid')).code).toBe(EXIT_FAILED);
    expect((await exec('key', 'list', '--tenant', 'no-such-tenant')).code).toBe(EXIT_FAILED);
  });

  it('npm run admin exits 64 with usage on a bad command and 0 on a good one', async () => {
    const env = { ...process.env, DATABASE_URL: inject('databaseUrl') };
    const bad = await run('npx', ['tsx', 'api/admin-cli.ts', 'frobnicate'], { env }).catch((e: unknown) => e);
    expect(bad).toMatchObject({
      code: EXIT_USAGE,
      stderr: expect.stringMatching(/Unknown command[\s\S]*Usage:/),
    });
    const good = await run('npx', ['tsx', 'api/admin-cli.ts', 'tenant', 'create', `cli-${randomUUID()}`], {
      env,
    });
    expect(good.stdout).toMatch(/Created tenant/);
  });
});
