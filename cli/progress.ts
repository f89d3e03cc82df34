import type { z } from 'zod';
import type { IntegrationDetailSchema } from '../api/schemas/integration';

export type IntegrationDetail = z.infer<typeof IntegrationDetailSchema>;

const WIDTH = 24;
const number = (n: number) => n.toLocaleString('en-US');

function bar(fraction: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
}

/** Lines describing a run in progress: one per object (a bar where a total is known) and the org's quota. */
export function progressLines(detail: IntegrationDetail, now: number): string[] {
  const run = detail.currentRun;
  const lines: string[] = [];
  if (run) {
    lines.push(`${run.kind} run ${run.runId} · ${number(run.apiCalls)} API calls`);
    const width = Math.max(8, ...Object.keys(run.objects).map((n) => n.length));
    for (const [name, p] of Object.entries(run.objects)) {
      const total = (p as { total?: number | null }).total;
      const state = p.finishedAt
        ? `${bar(1)} done`
        : total
          ? `${bar(p.records / total)} ${Math.floor((p.records / total) * 100)} %`
          : run.currentObject === name
            ? `${bar(0).replace(/\./g, '~')} in progress`
            : `${bar(0)} waiting`;
      lines.push(
        `  ${name.padEnd(width)} ${number(p.records).padStart(9)} records ${String(p.pages).padStart(5)} pages  ${state}`,
      );
    }
  } else {
    lines.push(`state ${detail.state}: waiting for the run to start…`);
  }
  const q = detail.quota;
  if (q && q.used !== null && q.max) {
    const line = `  API quota ${bar(q.used / q.max)} ${number(q.used)} / ${number(q.max)} (pauses at ${q.thresholdPercent} %)`;
    lines.push(line);
  }
  if (detail.pausedUntil) {
    const left = Math.max(0, Date.parse(detail.pausedUntil) - now);
    const minutes = Math.ceil(left / 60_000);
    lines.push(
      `  paused for quota until ${detail.pausedUntil} (${Math.floor(minutes / 60)} h ${minutes % 60} min)`,
    );
  }
  return lines;
}

/** Redraws a block of lines in place on a terminal; elsewhere prints only blocks that changed. */
export function liveBlock(out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean }) {
  let previous: string[] = [];
  return (lines: string[]) => {
    if (lines.join('\n') === previous.join('\n')) return;
    if (out.isTTY && previous.length > 0) out.write(`\x1b[${previous.length}F\x1b[J`);
    out.write(`${lines.join('\n')}\n`);
    previous = lines;
  };
}
