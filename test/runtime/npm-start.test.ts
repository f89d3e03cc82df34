import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../platform/ports';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The README's first command on a machine with nothing configured: `npm start` brings up embedded PostgreSQL,
 * a Temporal dev server, the worker, the API and the demo org, and the demo's initial collection finishes.
 * Each service gets a free port and the data a fresh folder, so this runs beside the rest of the suite.
 * (A permissions change once broke this as root: the embedded PostgreSQL user could not reach its folder.)
 */
describe('npm start', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ic-start-'));
  const dataDir = join(parent, 'data');
  const output: string[] = [];
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let apiUrl: string;

  function summary(): { key: string; integrationId: string } | null {
    const text = output.join('');
    const key = /Demo API key:\s+(\S+)/.exec(text)?.[1];
    const integrationId = /Demo integration ([0-9a-f-]{36})/.exec(text)?.[1];
    return key && integrationId ? { key, integrationId } : null;
  }

  beforeAll(async () => {
    // The parent of DATA_DIR must be traversable by the embedded PostgreSQL user when the tests run as root.
    chmodSync(parent, 0o711);
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      WORKER_HTTP_PORT: '0',
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      SIMULATOR_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
    // Nothing configured: the embedded defaults are what is under test.
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SECRETS_KEY', 'ALLOW_LOCAL_SALESFORCE_URLS'])
      delete env[name];
    child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const up = Date.now() + 150_000;
    while (!summary()) {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output.join('')}`);
      if (Date.now() > up) throw new Error(`npm start did not come up:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('comes up on embedded defaults and the demo org is collected', { timeout: 180_000 }, async () => {
    const { key, integrationId } = summary()!;
    const headers = { authorization: `Bearer ${key}` };
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
    let body: { state: string; lastRun: { status: string } | null } | undefined;
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      body = (await (
        await fetch(`${apiUrl}/v1/integrations/${integrationId}`, { headers })
      ).json()) as typeof body;
      // The last run and the state come from one mirrored status, so a finished run already shows with "idle".
      if (body?.lastRun?.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(body).toMatchObject({ state: 'idle', lastRun: { status: 'succeeded' } });
    const users = (await (
      await fetch(`${apiUrl}/v1/integrations/${integrationId}/users?limit=1`, { headers })
    ).json()) as {
      data: unknown[];
    };
    expect(users.data).toHaveLength(1);
    // The console answers, and the generated secrets key is readable by its owner only.
    expect((await fetch(`${apiUrl}/`)).status).toBe(200);
    expect(statSync(join(dataDir, 'secrets.key')).mode & 0o077).toBe(0);
  });

  it('stops everything on Ctrl-C and exits 0', { timeout: 60_000 }, async () => {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output.join('')).toContain('[start] stopped');
  });
});
