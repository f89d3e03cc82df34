import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fast tier's workflow bundle, built once per run and loaded by every file's worker. */
    fastTierBundlePath: string;
  }
}

/**
 * Bundling the workflow code takes seconds (more on a busy machine); the fast tier does it once per run instead
 * of once per file. Each file still starts its own time-skipping server: the server's clock is shared by
 * everything on it, and files run in parallel.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'ic-fast-tier-'));
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./bundle-entry.ts', import.meta.url)),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
  const codePath = join(dir, 'workflows.js');
  writeFileSync(codePath, code);
  project.provide('fastTierBundlePath', codePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
