/**
 * RFC 4180 CSV for auditors, hardened against CSV (formula) injection per the OWASP "CSV Injection" page:
 * - every value is wrapped in double quotes (inner quotes doubled), so a `;` or tab inside a value cannot
 *   become a cell boundary in a spreadsheet whose list separator is `;` (de, fr, es, it, nl, pt-BR locales);
 *   a missing value (null) stays unquoted and empty, which keeps it distinct from an empty string;
 * - text that a spreadsheet would run as a formula (a leading =, +, -, @, tab or CR) gets a leading
 *   apostrophe, and so does every such character that follows a separator (`,` `;` tab `|`) inside the value,
 *   for tools that split on separators without honouring quotes;
 * - arrays are joined first and neutralised like any text; only real numbers keep a leading minus.
 * Login fields such as Application, Browser and user names are attacker-influenced text.
 */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => unknown;
}

export function toCsv<T>(columns: CsvColumn<T>[], rows: T[]): string {
  const lines = [columns.map((column) => escapeCsvField(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => escapeCsvField(column.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

const FORMULA_START = /^[=+\-@\t\r]/;
const FORMULA_AFTER_SEPARATOR = /([,;\t|])(\s*)(?=[=+\-@])/g;

export function escapeCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint') {
    text = String(value);
  } else {
    text =
      value instanceof Date
        ? value.toISOString()
        : Array.isArray(value)
          ? value.map((item) => (item === null || item === undefined ? '' : String(item))).join(' ')
          : String(value);
    text = text.replace(FORMULA_AFTER_SEPARATOR, "$1$2'");
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return `"${text.replace(/"/g, '""')}"`;
}
