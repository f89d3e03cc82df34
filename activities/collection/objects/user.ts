import { z } from 'zod';
import { datetime, id, requiredDatetime, text } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';

const schema = z.looseObject({
  Id: id,
  Username: z.string(),
  Name: text,
  FirstName: text,
  LastName: text,
  Email: text,
  Alias: text,
  IsActive: z.boolean(),
  UserType: text,
  ProfileId: text,
  // System users (Automated Process, Data.com Clean) come back with "Profile": null (a null lookup in REST query results).
  Profile: z
    .looseObject({
      Name: text,
      UserLicenseId: text,
      UserLicense: z.looseObject({ Name: text }).nullish(),
    })
    .nullish(),
  UserRoleId: text,
  FederationIdentifier: text,
  LastLoginDate: datetime,
  LastPasswordChangeDate: datetime,
  CreatedDate: datetime,
  LastModifiedDate: datetime,
  SystemModstamp: requiredDatetime,
});

export interface UserRow {
  id: string;
  username: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  alias: string | null;
  isActive: boolean;
  userType: string | null;
  profileId: string | null;
  profileName: string | null;
  userLicenseId: string | null;
  userLicenseName: string | null;
  userRoleId: string | null;
  federationIdentifier: string | null;
  lastLoginAt: string | null;
  lastPasswordChangeAt: string | null;
  createdAt: string | null;
  lastModifiedAt: string | null;
  systemModstamp: string;
}

const FIELDS = [
  'Id',
  'Username',
  'Name',
  'FirstName',
  'LastName',
  'Email',
  'Alias',
  'IsActive',
  'UserType',
  'ProfileId',
  'Profile.Name',
  'Profile.UserLicenseId',
  'Profile.UserLicense.Name',
  'UserRoleId',
  'FederationIdentifier',
  'LastLoginDate',
  'LastPasswordChangeDate',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
].join(', ');

/** Every user on the initial run, then those whose SystemModstamp moved (any change to the record). */
export const userSpec: ObjectSpec<UserRow> = {
  object: 'User',
  keyset: { field: 'SystemModstamp' },
  soql: (where) => `SELECT ${FIELDS} FROM User${where ? ` WHERE ${where}` : ''} ORDER BY SystemModstamp, Id`,
  parse(record) {
    const r = schema.parse(record);
    return {
      id: r.Id,
      username: r.Username,
      name: r.Name,
      firstName: r.FirstName,
      lastName: r.LastName,
      email: r.Email,
      alias: r.Alias,
      isActive: r.IsActive,
      userType: r.UserType,
      profileId: r.ProfileId,
      profileName: r.Profile?.Name ?? null,
      userLicenseId: r.Profile?.UserLicenseId ?? null,
      userLicenseName: r.Profile?.UserLicense?.Name ?? null,
      userRoleId: r.UserRoleId,
      federationIdentifier: r.FederationIdentifier,
      lastLoginAt: r.LastLoginDate,
      lastPasswordChangeAt: r.LastPasswordChangeDate,
      createdAt: r.CreatedDate,
      lastModifiedAt: r.LastModifiedDate,
      systemModstamp: r.SystemModstamp,
    };
  },
  key: (row) => ({ at: row.systemModstamp, id: row.id }),
  async upsert(sql, integrationId, _runId, rows) {
    const col = (pick: (row: UserRow) => string | boolean | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_users (
        integration_id, id, username, name, first_name, last_name, email, alias, is_active, user_type,
        profile_id, profile_name, user_license_id, user_license_name, user_role_id, federation_identifier,
        last_login_at, last_password_change_at, created_at, last_modified_at, system_modstamp, collected_at
      )
      select ${integrationId}::uuid, u.*, now()
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.username)}::text[], ${col((r) => r.name)}::text[],
        ${col((r) => r.firstName)}::text[], ${col((r) => r.lastName)}::text[], ${col((r) => r.email)}::text[],
        ${col((r) => r.alias)}::text[], ${col((r) => r.isActive)}::boolean[], ${col((r) => r.userType)}::text[],
        ${col((r) => r.profileId)}::text[], ${col((r) => r.profileName)}::text[],
        ${col((r) => r.userLicenseId)}::text[], ${col((r) => r.userLicenseName)}::text[],
        ${col((r) => r.userRoleId)}::text[], ${col((r) => r.federationIdentifier)}::text[],
        ${col((r) => r.lastLoginAt)}::timestamptz[], ${col((r) => r.lastPasswordChangeAt)}::timestamptz[],
        ${col((r) => r.createdAt)}::timestamptz[], ${col((r) => r.lastModifiedAt)}::timestamptz[],
        ${col((r) => r.systemModstamp)}::timestamptz[]
      ) as u
      on conflict (integration_id, id) do update set
        username = excluded.username, name = excluded.name, first_name = excluded.first_name,
        last_name = excluded.last_name, email = excluded.email, alias = excluded.alias,
        is_active = excluded.is_active, user_type = excluded.user_type, profile_id = excluded.profile_id,
        profile_name = excluded.profile_name, user_license_id = excluded.user_license_id,
        user_license_name = excluded.user_license_name, user_role_id = excluded.user_role_id,
        federation_identifier = excluded.federation_identifier, last_login_at = excluded.last_login_at,
        last_password_change_at = excluded.last_password_change_at, created_at = excluded.created_at,
        last_modified_at = excluded.last_modified_at, system_modstamp = excluded.system_modstamp,
        collected_at = excluded.collected_at`;
  },
};
