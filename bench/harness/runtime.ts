import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildProduction } from '../../dev/build';

/**
 * Which build of the production entry points the bench's child processes run: the TypeScript sources through
 * tsx, as `npm run worker` / `npm run api` do (default), or the compiled JavaScript of `npm run build`, as
 * `npm run worker:prod` / `npm run api:prod` and the Docker image do (`--compiled`).
 */
export type EntryRuntime = 'tsx' | 'compiled';

const root = fileURLToPath(new URL('../..', import.meta.url));
const distDir = `${root}dist`;

export class EntryPoints {
  constructor(readonly runtime: EntryRuntime) {}

  /** Node arguments (after any heap flags) that start `entry` ('worker/main', 'api/main'). */
  args(entry: 'worker/main' | 'api/main'): string[] {
    if (this.runtime === 'tsx') return ['--import', 'tsx', `${root}${entry}.ts`];
    const script = `${distDir}/${entry}.js`;
    if (!existsSync(script)) throw new Error(`${script} is missing: the compiled build was not made`);
    return ['--enable-source-maps', script];
  }
}

let selected = new EntryPoints('tsx');

/**
 * Chosen once by bench/run.ts before any bench starts. `compiled` builds dist/ from the current tree first
 * (`npm run build` without the type-check), so the figures are for the code in the working copy.
 */
export async function selectEntryRuntime(runtime: EntryRuntime): Promise<void> {
  if (runtime === 'compiled') {
    const started = Date.now();
    await buildProduction(distDir);
    console.log(`[bench] compiled build written to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  selected = new EntryPoints(runtime);
}

export function entryPoints(): EntryPoints {
  return selected;
}
