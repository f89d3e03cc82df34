import { writeFileSync } from 'node:fs';
import { bundleWorkflows } from './create-worker';

// Run as its own short-lived process by worker/main.ts: webpack's memory (hundreds of MB) is then returned to
// the OS when it exits instead of staying in the long-running worker's heap.
const out = process.argv[2];
if (!out) {
  console.error('usage: bundle-workflows <output file>');
  process.exit(64);
}
const { code } = await bundleWorkflows();
writeFileSync(out, code);
