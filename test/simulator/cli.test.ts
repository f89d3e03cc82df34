import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/main.ts', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (text: string) => {
    for (let i = 0; i < 300 && !output.includes(text); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return output;
  };
  return { child, exited, waitFor, output: () => output };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('npm run simulator (simulator/main.ts)', () => {
  it('prints the demo org, refuses a busy port in one line, and exits cleanly on Ctrl-C', async () => {
    const port = await freePort();
    const first = run(['--port', String(port), '--users', '30', '--logins', '500', '--seed', '7']);
    const output = await first.waitFor('Control API');
    expect(output).toContain(`Salesforce URL (My Domain): http://127.0.0.1:${port}/orgs/demo`);
    expect(output).toMatch(/Consumer key: +3MVG9/);
    expect(output).toMatch(/Consumer secret: +[0-9A-F]{64}/);
    expect(output).toContain(`Control API:                http://127.0.0.1:${port}/__simulator/orgs`);
    const versions = await fetch(`http://127.0.0.1:${port}/orgs/demo/services/data/`);
    expect(versions.status).toBe(200);

    const second = run(['--port', String(port)]);
    expect(await second.exited).toBe(1);
    expect(second.output().trim().split('\n')).toEqual([
      `simulator: port ${port} on 127.0.0.1 is already in use; choose another with --port or SIMULATOR_PORT`,
    ]);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('simulator stopped');
  }, 30_000);
});
