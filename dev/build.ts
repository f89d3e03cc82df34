import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleWorkflows } from '../worker/create-worker';
import { workflowBundleFile } from '../worker/workflow-bundle';

/**
 * `npm run build`: the production entry points as JavaScript in dist/ (after `tsc --noEmit` has type-checked
 * them), plus the prebundled workflow code and the migrations they read at run time.
 *
 * The sources import each other without file extensions (moduleResolution "Bundler"), which Node's ESM loader
 * cannot resolve, so instead of tsc's per-file emit each entry point is bundled with esbuild (the transpiler tsx
 * already uses); packages stay external and load from node_modules as usual. Every entry sits one folder deep,
 * like its source, so `new URL('../migrations', import.meta.url)` still finds dist/migrations.
 */
export const entryPoints = [
  'worker/main.ts',
  'api/main.ts',
  'platform/migrate-cli.ts',
  'api/admin-cli.ts',
  'simulator/main.ts',
];

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildProduction(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: entryPoints.map((entry) => join(root, entry)),
    outbase: root,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  const { code } = await bundleWorkflows();
  writeFileSync(join(outDir, workflowBundleFile), code);
  cpSync(join(root, 'migrations'), join(outDir, 'migrations'), { recursive: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(root, process.argv[2] ?? 'dist');
  const started = Date.now();
  await buildProduction(outDir);
  console.log(
    `built ${entryPoints.length} entry points and the workflow bundle into ${outDir} in ${Date.now() - started} ms`,
  );
}
