import type { SourcePosition } from './errors';

export interface FieldPath {
  /** As written, e.g. ['Profile', 'UserLicense', 'Name']. */
  parts: string[];
  position: SourcePosition;
}

export type DateConstantName =
  | 'TODAY'
  | 'YESTERDAY'
  | 'TOMORROW'
  | 'LAST_N_DAYS'
  | 'NEXT_N_DAYS'
  | 'N_DAYS_AGO'
  | 'LAST_90_DAYS'
  | 'LAST_WEEK'
  | 'THIS_WEEK'
  | 'LAST_MONTH'
  | 'THIS_MONTH';

export type Literal = (
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; value: number }
  | { kind: 'date'; value: number }
  | { kind: 'dateConstant'; name: DateConstantName; n: number }
) & { position: SourcePosition };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; field: FieldPath; operator: ComparisonOperator; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldPath; pattern: Literal };

export interface OrderItem {
  field: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface SelectQuery {
  /** `SELECT COUNT() FROM …` returns only totalSize. */
  count: boolean;
  fields: FieldPath[];
  from: { name: string; position: SourcePosition };
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
  offset: number | null;
}
