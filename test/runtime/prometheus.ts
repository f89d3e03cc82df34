/** Prometheus text exposition parsed into `name{label="v",…}` → value, labels sorted, for assertions. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, k, v]) => [k!, v!] as const)
      .filter(([k]) => k !== 'process');
    samples.set(key(match[1]!, Object.fromEntries(labels)), Number(match[3]));
  }
  return samples;
}

function key(name: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return `${name}{${sorted.join(',')}}`;
}

/** One sample's value (undefined when the series does not exist). `process` is ignored. */
export function sample(metrics: Map<string, number>, name: string, labels: Record<string, string>) {
  return metrics.get(key(name, labels));
}
