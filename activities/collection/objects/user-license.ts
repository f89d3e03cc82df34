import { z } from 'zod';
import { id, number, text } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';
import { deleteUnseenFrom } from './unseen';

const schema = z.looseObject({
  Id: id,
  Name: z.string(),
  MasterLabel: text,
  LicenseDefinitionKey: text,
  Status: text,
  TotalLicenses: number,
  UsedLicenses: number,
});

export interface UserLicenseRow {
  id: string;
  name: string;
  masterLabel: string | null;
  licenseDefinitionKey: string | null;
  status: string | null;
  totalLicenses: number | null;
  usedLicenses: number | null;
}

/** Licence counts for the unused-licence savings estimate (object-userlicense.html); a handful of rows. */
export const userLicenseSpec: ObjectSpec<UserLicenseRow> = {
  object: 'UserLicense',
  keyset: null,
  soql: (where) =>
    `SELECT Id, Name, MasterLabel, LicenseDefinitionKey, Status, TotalLicenses, UsedLicenses FROM UserLicense${where ? ` WHERE ${where}` : ''} ORDER BY Id`,
  parse(record) {
    const r = schema.parse(record);
    return {
      id: r.Id,
      name: r.Name,
      masterLabel: r.MasterLabel,
      licenseDefinitionKey: r.LicenseDefinitionKey,
      status: r.Status,
      totalLicenses: r.TotalLicenses,
      usedLicenses: r.UsedLicenses,
    };
  },
  key: (row) => ({ at: null, id: row.id }),
  async upsert(sql, integrationId, runId, rows) {
    const col = (pick: (row: UserLicenseRow) => string | number | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_user_licenses (
        integration_id, id, name, master_label, license_definition_key, status, total_licenses, used_licenses, last_seen_run_id
      )
      select ${integrationId}::uuid, u.*, ${runId}::uuid
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.name)}::text[], ${col((r) => r.masterLabel)}::text[],
        ${col((r) => r.licenseDefinitionKey)}::text[], ${col((r) => r.status)}::text[],
        ${col((r) => r.totalLicenses)}::int[], ${col((r) => r.usedLicenses)}::int[]
      ) as u
      on conflict (integration_id, id) do update set
        name = excluded.name, master_label = excluded.master_label,
        license_definition_key = excluded.license_definition_key, status = excluded.status,
        total_licenses = excluded.total_licenses, used_licenses = excluded.used_licenses,
        last_seen_run_id = excluded.last_seen_run_id`;
  },
  deleteUnseen: deleteUnseenFrom('sf_user_licenses'),
};
