/**
 * A workflow history as searchable text. Payload data are bytes, and protobuf messages serialise them as
 * base64 in JSON, so a secret inside a payload would never match a plain string search. Walking the
 * decoded messages and reading every byte field as UTF-8 makes "the secret is not in the history" a
 * check that can fail.
 */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (value === null || value === undefined) return;
    if (value instanceof Uint8Array) {
      parts.push(Buffer.from(value).toString('utf8'));
      return;
    }
    if (typeof value !== 'object') {
      parts.push(String(value));
      return;
    }
    if (seen.has(value)) return;
    seen.add(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) walk(child);
  };
  walk(history);
  return parts.join('\n');
}
