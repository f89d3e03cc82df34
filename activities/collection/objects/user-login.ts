import { z } from 'zod';
import { datetime, flag, id } from './fields';
import { textArray } from './arrays';
import type { ObjectSpec } from './types';
import { deleteUnseenFrom } from './unseen';

const schema = z.looseObject({
  Id: id,
  UserId: z.string(),
  IsFrozen: flag,
  IsPasswordLocked: flag,
  LastModifiedDate: datetime,
});

export interface UserLoginRow {
  id: string;
  userId: string;
  isFrozen: boolean;
  isPasswordLocked: boolean;
  lastModifiedAt: string | null;
}

/** Frozen / password-locked state lives on UserLogin, not User (object-userlogin.html); small, re-read fully. */
export const userLoginSpec: ObjectSpec<UserLoginRow> = {
  object: 'UserLogin',
  keyset: null,
  soql: (where) =>
    `SELECT Id, UserId, IsFrozen, IsPasswordLocked, LastModifiedDate FROM UserLogin${where ? ` WHERE ${where}` : ''} ORDER BY Id`,
  parse(record) {
    const r = schema.parse(record);
    return {
      id: r.Id,
      userId: r.UserId,
      isFrozen: r.IsFrozen ?? false,
      isPasswordLocked: r.IsPasswordLocked ?? false,
      lastModifiedAt: r.LastModifiedDate,
    };
  },
  key: (row) => ({ at: null, id: row.id }),
  async upsert(sql, integrationId, runId, rows) {
    const col = (pick: (row: UserLoginRow) => string | boolean | null) => textArray(sql, rows.map(pick));
    await sql`
      insert into sf_user_logins (integration_id, id, user_id, is_frozen, is_password_locked, last_modified_at, last_seen_run_id)
      select ${integrationId}::uuid, u.*, ${runId}::uuid
      from unnest(
        ${col((r) => r.id)}::text[], ${col((r) => r.userId)}::text[], ${col((r) => r.isFrozen)}::boolean[],
        ${col((r) => r.isPasswordLocked)}::boolean[], ${col((r) => r.lastModifiedAt)}::timestamptz[]
      ) as u
      on conflict (integration_id, id) do update set
        user_id = excluded.user_id, is_frozen = excluded.is_frozen, is_password_locked = excluded.is_password_locked,
        last_modified_at = excluded.last_modified_at, last_seen_run_id = excluded.last_seen_run_id`;
  },
  deleteUnseen: deleteUnseenFrom('sf_user_logins'),
};
