import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('../support/crash-guard-child.ts', import.meta.url));
const run = (kind: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', child, kind], { encoding: 'utf8', timeout: 20_000 });

describe('postgres.js closed-socket guard', () => {
  it('keeps the process alive through the known postgres.js closed-socket write', () => {
    const result = run('postgres');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('survived');
    expect(result.stdout).toContain('known upstream bug');
  });

  it('still stops the process on any other uncaught exception', () => {
    const result = run('other');
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('survived');
    expect(result.stdout).toContain('uncaught exception');
  });
});
