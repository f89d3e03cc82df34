import type { Org } from '../org/org';
import { effectivePermissions } from '../data/permissions';
import { OBJECT_BY_LOWER_NAME } from '../data/schema';
import type { Table } from '../data/table';
import type { QuerySource } from '../soql/resolve';
import type { RowPredicate } from '../soql/filter';

/**
 * What the calling user may read. LoginGeo and UserLogin need Manage Users; LoginHistory needs Manage Users,
 * "The exception is that, in API version 37.0 and later, all users can retrieve their own login history
 * records" (Object Reference, LoginHistory): such users silently get only their own rows.
 */
export function querySourceFor(
  org: Org,
  userRow: number,
): { source: QuerySource; visibility: (table: Table) => RowPredicate | undefined } {
  const permissions = effectivePermissions(org.data, userRow);
  const canManageUsers = permissions.PermissionsManageUsers === true;
  const source: QuerySource = {
    table(objectName) {
      const object = OBJECT_BY_LOWER_NAME.get(objectName.toLowerCase());
      if (!object) return undefined;
      if (!canManageUsers && (object.name === 'LoginGeo' || object.name === 'UserLogin')) return undefined;
      return org.data.table(object.name);
    },
  };
  const userRows = org.data.logins.columns;
  const visibility = (table: Table): RowPredicate | undefined => {
    if (canManageUsers || table.object.name !== 'LoginHistory') return undefined;
    return (row) => userRows.userRow[row] === userRow;
  };
  return { source, visibility };
}

export function userApiEnabled(org: Org, userRow: number): boolean {
  return effectivePermissions(org.data, userRow).PermissionsApiEnabled === true;
}
