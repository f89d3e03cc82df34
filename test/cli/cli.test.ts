import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveApi, type LiveApi } from '../support/live-api';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `npm run cli -- …` the way a user does (a separate process over HTTP), capturing output and exit code. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI over the HTTP API', () => {
  let live: LiveApi;
  let env: Record<string, string>;

  beforeAll(async () => {
    live = await startLiveApi('cli');
    env = { IDENTITY_COLLECTOR_API_URL: live.baseUrl, IDENTITY_COLLECTOR_API_KEY: live.key };
  });
  afterAll(async () => {
    await live?.close();
  });

  it('adds, tests and collects with --follow: live progress per object, exit 0', async () => {
    const org = live.simulator.simulator.control.createOrg({ users: 30, logins: 3000, seed: 5 });
    const added = await cli(
      [
        '--json',
        'integrations',
        'add',
        '--display-name',
        'CLI org',
        '--salesforce-url',
        org.salesforceUrl,
        '--consumer-key',
        org.consumerKey,
      ],
      { ...env, IDENTITY_COLLECTOR_CONSUMER_SECRET: org.consumerSecret },
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };

    const tested = await cli(['integrations', 'test', id], env);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('✓ Run As user has Manage Internal Users and Manage External Users');
    expect(tested.stdout).toContain('Connected!');

    const followed = await cli(['integrations', 'collect', id, '--follow', '--interval', '200'], env);
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/Started initial run/);
    // Progress lines while it ran: per object with records and pages, and the quota gauge.
    expect(followed.stdout).toMatch(/^ {2}User\s+[\d,]+ records\s+\d+ pages/m);
    expect(followed.stdout).toMatch(/API quota \[[#.]+\] [\d,]+ \/ [\d,]+ \(pauses at 75 %\)/);
    expect(followed.stdout).toMatch(/Run succeeded: .*User 30/);

    const unused = await cli(['--json', 'unused', id], env);
    expect(unused.code).toBe(0);
    expect(JSON.parse(unused.stdout)).toHaveProperty('licenses');
  });

  it('exits non-zero with the API message for a bad key', async () => {
    const result = await cli(['integrations', 'list'], { ...env, IDENTITY_COLLECTOR_API_KEY: 'ic_wrong' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: The API key is not valid, has expired or has been revoked \(unauthorized, request /,
    );
  });

  it('exits non-zero when Test Connectivity finds a failing requirement, printing its fix', async () => {
    const org = live.simulator.simulator.control.createOrg({ users: 10, logins: 50, runAsApiOnly: false });
    const created = await fetch(`${live.baseUrl}/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${live.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: 'Not API-only',
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const result = await cli(['integrations', 'test', id], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ Run As user has API Only User');
    expect(result.stdout).toMatch(/fix: .*"API Only User"/);
  });
});
