/**
 * RFC 4180 CSV for auditors. Every field is quoted when it holds a quote, comma, CR or LF; cells that a
 * spreadsheet would run as a formula (leading =, +, -, @, tab, CR) get a leading apostrophe (OWASP "CSV
 * injection"), because login fields such as Application and Browser are attacker-influenced text.
 */
export function toCsv<T>(columns: { header: string; value: (row: T) => unknown }[], rows: T[]): string {
  const lines = [columns.map((column) => escapeCsvField(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => escapeCsvField(column.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function escapeCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(' ') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
