import type { FieldDef, ObjectDef } from '../data/schema';
import type { Table, Value } from '../data/table';
import type { FieldPath } from './ast';
import { soqlError } from './errors';

/** The tables a query may read; undefined for objects that do not exist or that the caller cannot see. */
export interface QuerySource {
  table(objectName: string): Table | undefined;
}

export interface ResolvedField {
  /** Canonical relationship names then the canonical field name, e.g. ['Profile', 'UserLicense', 'Name']. */
  path: string[];
  field: FieldDef;
  object: ObjectDef;
  read: (row: number) => Value;
  /** One entry per relationship hop: how to reach the parent row from the child row. */
  hops: { relationship: string; table: Table; parentRow: (row: number) => number }[];
}

export function invalidType(query: string, name: string, position: FieldPath['position']) {
  return soqlError(
    'INVALID_TYPE',
    query,
    position,
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function parentRowReader(child: Table, field: FieldDef, parent: Table): (row: number) => number {
  const fast = child.parentRow?.(field.name);
  if (fast) return fast;
  const readId = child.column(field.name);
  return (row) => {
    const id = readId(row);
    return typeof id === 'string' ? parent.rowOfId(id) : -1;
  };
}

export function resolveField(
  source: QuerySource,
  root: Table,
  path: FieldPath,
  query: string,
): ResolvedField {
  let table = root;
  const hops: ResolvedField['hops'] = [];
  const canonical: string[] = [];
  const parts = [...path.parts];
  // SOQL accepts fields qualified with the queried object's name, e.g. `User.Name` FROM User.
  if (parts.length > 1 && parts[0]!.toLowerCase() === root.object.name.toLowerCase()) parts.shift();
  for (const relationshipName of parts.slice(0, -1)) {
    const reference = table.object.relationshipByLowerName.get(relationshipName.toLowerCase());
    const parent = reference?.referenceTo ? source.table(reference.referenceTo) : undefined;
    if (!reference || !parent) {
      throw soqlError(
        'INVALID_FIELD',
        query,
        path.position,
        `Didn't understand relationship '${relationshipName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    hops.push({
      relationship: reference.relationshipName!,
      table: parent,
      parentRow: parentRowReader(table, reference, parent),
    });
    canonical.push(reference.relationshipName!);
    table = parent;
  }
  const fieldName = parts[parts.length - 1]!;
  const field = table.object.fieldByLowerName.get(fieldName.toLowerCase());
  if (!field) {
    throw soqlError(
      'INVALID_FIELD',
      query,
      path.position,
      `No such column '${fieldName}' on entity '${table.object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  canonical.push(field.name);
  const leaf = table.column(field.name);
  let read = leaf;
  if (hops.length > 0) {
    const steps = hops.map((hop) => hop.parentRow);
    read = (row) => {
      let current = row;
      for (const step of steps) {
        current = step(current);
        if (current < 0) return null;
      }
      return leaf(current);
    };
  }
  return { path: canonical, field, object: table.object, read, hops };
}
