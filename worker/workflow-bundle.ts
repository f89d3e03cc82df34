import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` writes the prebundled workflow code, next to the compiled entry points
 * (dist/workflow-bundle.js). The compiled worker loads it with `workflowBundle: { codePath }` instead of running
 * webpack at every start (https://docs.temporal.io/develop/typescript/core-application#bundle-workflow-code).
 */
export const workflowBundleFile = 'workflow-bundle.js';

/** The prebuilt bundle when running from the build output, else undefined (under tsx: bundle at start). */
export function prebuiltWorkflowBundle(entryUrl: string): string | undefined {
  const candidate = fileURLToPath(new URL(`../${workflowBundleFile}`, entryUrl));
  return existsSync(candidate) ? candidate : undefined;
}
