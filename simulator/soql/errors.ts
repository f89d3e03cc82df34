export interface SourcePosition {
  offset: number;
  row: number;
  column: number;
}

export type SoqlErrorCode =
  'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'NUMBER_OUTSIDE_VALID_RANGE';

/** A query Salesforce would reject with HTTP 400 and this errorCode. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: SoqlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

/**
 * Salesforce's caret-style message: the offending query line, a caret under the column, the 1-based
 * row and column, then the reason (observed in mautic/mautic#13406 and vlocityinc/vlocity_build#364).
 */
export function caretMessage(query: string, position: SourcePosition, reason: string): string {
  const line = query.split(/\r?\n/)[position.row - 1] ?? query;
  return `\n${line}\n${' '.repeat(Math.max(0, position.column - 1))}^\nERROR at Row:${position.row}:Column:${position.column}\n${reason}`;
}

export function soqlError(
  code: SoqlErrorCode,
  query: string,
  position: SourcePosition,
  reason: string,
): SoqlError {
  return new SoqlError(code, caretMessage(query, position, reason));
}
