import { id15 } from '../ids';
import type { OrgData } from './org-data';
import { PERMISSION_FIELDS } from './schema';

export type Permissions = Record<string, boolean>;

/** A user's permissions: the union of its profile's permission set and its assigned permission sets. */
export function effectivePermissions(data: OrgData, userRow: number): Permissions {
  const { User, PermissionSet, PermissionSetAssignment } = data.records;
  const userId = User.rows[userRow]?.Id;
  const granted: Permissions = Object.fromEntries(PERMISSION_FIELDS.map((name) => [name, false]));
  if (typeof userId !== 'string') return granted;
  const key = id15(userId);
  for (const assignment of PermissionSetAssignment.rows) {
    if (typeof assignment.AssigneeId !== 'string' || id15(assignment.AssigneeId) !== key) continue;
    const permissionSet = PermissionSet.rows[PermissionSet.rowOfId(String(assignment.PermissionSetId))];
    if (!permissionSet) continue;
    for (const name of PERMISSION_FIELDS) if (permissionSet[name] === true) granted[name] = true;
  }
  return granted;
}

export function isPrivileged(permissions: Permissions): boolean {
  return (
    permissions.PermissionsModifyAllData === true ||
    permissions.PermissionsViewAllData === true ||
    permissions.PermissionsManageUsers === true
  );
}

/** Permissions of every user at once (one pass over assignments), for generation and truth. */
export function allPermissions(data: OrgData): Permissions[] {
  const { User, PermissionSet, PermissionSetAssignment } = data.records;
  const rowByUser = new Map(User.rows.map((row, index) => [id15(String(row.Id)), index]));
  const result: Permissions[] = User.rows.map(() =>
    Object.fromEntries(PERMISSION_FIELDS.map((name) => [name, false])),
  );
  for (const assignment of PermissionSetAssignment.rows) {
    const userRow = rowByUser.get(id15(String(assignment.AssigneeId)));
    const permissionSet = PermissionSet.rows[PermissionSet.rowOfId(String(assignment.PermissionSetId))];
    if (userRow === undefined || !permissionSet) continue;
    for (const name of PERMISSION_FIELDS) if (permissionSet[name] === true) result[userRow]![name] = true;
  }
  return result;
}
