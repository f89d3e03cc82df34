/**
 * Evaluations: `npm run eval -- <name> [options]`.
 *
 *   detections   labelled corpus at three org sizes: precision and recall per finding kind (eval/detections.ts)
 *
 * Exits non-zero when an evaluation fails its bar.
 */
import { evaluateDetections } from './detections';

const evaluations: Record<string, (argv: string[]) => Promise<boolean>> = { detections: evaluateDetections };

const [name, ...rest] = process.argv.slice(2);
const evaluation = name ? evaluations[name] : undefined;
if (!evaluation) {
  console.error(`usage: npm run eval -- <${Object.keys(evaluations).join('|')}> [options]`);
  process.exit(2);
}
evaluation(rest).then(
  (passed) => process.exit(passed ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
