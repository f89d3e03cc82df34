import type { FieldType } from '../data/schema';
import type { Table, Value } from '../data/table';
import type { FieldPath } from '../soql/ast';
import { resolveField, type QuerySource } from '../soql/resolve';

type Entry =
  | { kind: 'field'; name: string; type: FieldType; read: (row: number) => Value }
  | { kind: 'relationship'; name: string; parentRow: (row: number) => number; node: SelectNode };

export interface SelectNode {
  objectName: string;
  readId: (row: number) => Value;
  entries: Entry[];
}

function newNode(table: Table): SelectNode {
  return { objectName: table.object.name, readId: table.column('Id'), entries: [] };
}

/** Groups selected paths into nested relationship objects, as Salesforce nests `Profile.UserLicense.Name`. */
export function buildSelectPlan(
  source: QuerySource,
  root: Table,
  fields: FieldPath[],
  query: string,
): SelectNode {
  const rootNode = newNode(root);
  for (const path of fields) {
    const resolved = resolveField(source, root, path, query);
    let node = rootNode;
    for (const hop of resolved.hops) {
      let entry = node.entries.find(
        (candidate): candidate is Extract<Entry, { kind: 'relationship' }> =>
          candidate.kind === 'relationship' && candidate.name === hop.relationship,
      );
      if (!entry) {
        entry = {
          kind: 'relationship',
          name: hop.relationship,
          parentRow: hop.parentRow,
          node: newNode(hop.table),
        };
        node.entries.push(entry);
      }
      node = entry.node;
    }
    const table = resolved.hops.at(-1)?.table ?? root;
    if (!node.entries.some((entry) => entry.kind === 'field' && entry.name === resolved.field.name)) {
      node.entries.push({
        kind: 'field',
        name: resolved.field.name,
        type: resolved.field.type,
        read: table.column(resolved.field.name),
      });
    }
  }
  return rootNode;
}

/** Datetimes go out as `2024-05-01T10:00:00.000+0000` (UTC, no colon), as REST query results show them. */
export function formatValue(value: Value, type: FieldType): Value {
  if (value === null || typeof value !== 'number') return value;
  if (type === 'datetime') return new Date(value).toISOString().replace('Z', '+0000');
  if (type === 'date') return new Date(value).toISOString().slice(0, 10);
  return value;
}

export type SerializedRecord = { attributes: { type: string; url: string } } & Record<string, unknown>;

/**
 * Compiles a plan into a row → record function: `attributes` first, then the selected fields in query
 * order, relationships as nested objects with their own `attributes`, and a null lookup as `null`.
 */
export function compileRecordWriter(node: SelectNode, version: string): (row: number) => SerializedRecord {
  const urlPrefix = `/services/data/v${version}/sobjects/${node.objectName}/`;
  const type = node.objectName;
  const writers = node.entries.map((entry): ((record: SerializedRecord, row: number, id: string) => void) => {
    const { name } = entry;
    if (entry.kind === 'relationship') {
      const child = compileRecordWriter(entry.node, version);
      return (record, row) => {
        const parent = entry.parentRow(row);
        record[name] = parent < 0 ? null : child(parent);
      };
    }
    if (name === 'Id') return (record, _row, id) => void (record[name] = id);
    const { read } = entry;
    if (entry.type === 'datetime') {
      // Consecutive rows often share a LoginTime; formatting once per distinct value saves most of the work.
      let lastValue = NaN;
      let lastText = '';
      return (record, row) => {
        const value = read(row);
        if (typeof value !== 'number') return void (record[name] = null);
        if (value !== lastValue) {
          lastValue = value;
          lastText = new Date(value).toISOString().replace('Z', '+0000');
        }
        record[name] = lastText;
      };
    }
    const fieldType = entry.type;
    return (record, row) => void (record[name] = formatValue(read(row), fieldType));
  });
  return (row) => {
    const id = String(node.readId(row));
    const record: SerializedRecord = { attributes: { type, url: urlPrefix + id } };
    for (const write of writers) write(record, row, id);
    return record;
  };
}
