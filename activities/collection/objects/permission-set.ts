import { z } from 'zod';
import { flag, id, text } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';
import { deleteUnseenFrom } from './unseen';

const schema = z.looseObject({
  Id: id,
  Name: z.string(),
  Label: text,
  IsOwnedByProfile: flag,
  ProfileId: text,
  PermissionsModifyAllData: flag,
  PermissionsViewAllData: flag,
  PermissionsManageUsers: flag,
  PermissionsApiEnabled: flag,
  PermissionsApiUserOnly: flag,
});

export interface PermissionSetRow {
  id: string;
  name: string;
  label: string | null;
  isOwnedByProfile: boolean;
  profileId: string | null;
  modifyAllData: boolean;
  viewAllData: boolean;
  manageUsers: boolean;
  apiEnabled: boolean;
  apiUserOnly: boolean;
}

/**
 * Permission sets, including the ones owned by profiles (IsOwnedByProfile), so privileged users can be found
 * whichever way the permission was granted (sforce_api_objects_permissionset.htm).
 */
export const permissionSetSpec: ObjectSpec<PermissionSetRow> = {
  object: 'PermissionSet',
  keyset: null,
  soql: (where) =>
    'SELECT Id, Name, Label, IsOwnedByProfile, ProfileId, PermissionsModifyAllData, PermissionsViewAllData, ' +
    'PermissionsManageUsers, PermissionsApiEnabled, PermissionsApiUserOnly FROM PermissionSet' +
    `${where ? ` WHERE ${where}` : ''} ORDER BY Id`,
  parse(record) {
    const r = schema.parse(record);
    return {
      id: r.Id,
      name: r.Name,
      label: r.Label,
      isOwnedByProfile: r.IsOwnedByProfile ?? false,
      profileId: r.ProfileId,
      modifyAllData: r.PermissionsModifyAllData ?? false,
      viewAllData: r.PermissionsViewAllData ?? false,
      manageUsers: r.PermissionsManageUsers ?? false,
      apiEnabled: r.PermissionsApiEnabled ?? false,
      apiUserOnly: r.PermissionsApiUserOnly ?? false,
    };
  },
  key: (row) => ({ at: null, id: row.id }),
  async upsert(sql, integrationId, runId, rows) {
    const col = (pick: (row: PermissionSetRow) => string | boolean | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_permission_sets (
        integration_id, id, name, label, is_owned_by_profile, profile_id, modify_all_data, view_all_data,
        manage_users, api_enabled, api_user_only, last_seen_run_id
      )
      select ${integrationId}::uuid, p.*, ${runId}::uuid
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.name)}::text[], ${col((r) => r.label)}::text[],
        ${col((r) => r.isOwnedByProfile)}::boolean[], ${col((r) => r.profileId)}::text[],
        ${col((r) => r.modifyAllData)}::boolean[], ${col((r) => r.viewAllData)}::boolean[],
        ${col((r) => r.manageUsers)}::boolean[], ${col((r) => r.apiEnabled)}::boolean[],
        ${col((r) => r.apiUserOnly)}::boolean[]
      ) as p
      on conflict (integration_id, id) do update set
        name = excluded.name, label = excluded.label, is_owned_by_profile = excluded.is_owned_by_profile,
        profile_id = excluded.profile_id, modify_all_data = excluded.modify_all_data,
        view_all_data = excluded.view_all_data, manage_users = excluded.manage_users,
        api_enabled = excluded.api_enabled, api_user_only = excluded.api_user_only,
        last_seen_run_id = excluded.last_seen_run_id`;
  },
  deleteUnseen: deleteUnseenFrom('sf_permission_sets'),
};
