import { z } from 'zod';
import { datetime, id } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';
import { deleteUnseenFrom } from './unseen';

const schema = z.looseObject({
  Id: id,
  AssigneeId: z.string(),
  PermissionSetId: z.string(),
  SystemModstamp: datetime,
});

export interface PermissionSetAssignmentRow {
  id: string;
  assigneeId: string;
  permissionSetId: string;
  systemModstamp: string | null;
}

/**
 * Who holds which permission set. Re-read fully each run: a revoked assignment simply stops being returned,
 * so only a complete pass can tell it is gone (deleted by last_seen_run_id).
 */
export const permissionSetAssignmentSpec: ObjectSpec<PermissionSetAssignmentRow> = {
  object: 'PermissionSetAssignment',
  keyset: null,
  soql: (where) =>
    `SELECT Id, AssigneeId, PermissionSetId, SystemModstamp FROM PermissionSetAssignment${where ? ` WHERE ${where}` : ''} ORDER BY Id`,
  parse(record) {
    const r = schema.parse(record);
    return {
      id: r.Id,
      assigneeId: r.AssigneeId,
      permissionSetId: r.PermissionSetId,
      systemModstamp: r.SystemModstamp,
    };
  },
  key: (row) => ({ at: null, id: row.id }),
  async upsert(sql, integrationId, runId, rows) {
    const col = (pick: (row: PermissionSetAssignmentRow) => string | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_permission_set_assignments (integration_id, id, assignee_id, permission_set_id, system_modstamp, last_seen_run_id)
      select ${integrationId}::uuid, a.*, ${runId}::uuid
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.assigneeId)}::text[], ${col((r) => r.permissionSetId)}::text[],
        ${col((r) => r.systemModstamp)}::timestamptz[]
      ) as a
      on conflict (integration_id, id) do update set
        assignee_id = excluded.assignee_id, permission_set_id = excluded.permission_set_id,
        system_modstamp = excluded.system_modstamp, last_seen_run_id = excluded.last_seen_run_id`;
  },
  deleteUnseen: deleteUnseenFrom('sf_permission_set_assignments'),
};
