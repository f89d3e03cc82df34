import { listFindings, type Finding } from '../../insights/findings';
import type { Sql } from '../../platform/database';
import { createTestIntegration } from '../support/factories';

/** A tenant and an integration of its own, so each test's rows never meet another test's. */
export async function createTenantIntegration(
  sql: Sql,
  options: Record<string, unknown> = {},
  existingTenantId?: string,
): Promise<{ tenantId: string; integrationId: string }> {
  return createTestIntegration(sql, {
    options,
    displayName: 'Insights test org',
    ...(existingTenantId ? { tenantId: existingTenantId } : {}),
  });
}

export interface UserFixture {
  id: string;
  isActive?: boolean;
  license?: string | null;
  /** User.UserType; null (not collected) when omitted. */
  userType?: string | null;
  profileId?: string | null;
  lastLoginAt?: Date | null;
  createdAt?: Date;
  lastModifiedAt?: Date;
  frozen?: boolean;
  frozenAt?: Date;
}

export async function insertUsers(sql: Sql, integrationId: string, users: UserFixture[]) {
  const rows = users.map((u) => ({
    integration_id: integrationId,
    id: u.id,
    username: `${u.id}@example.com`,
    name: `User ${u.id}`,
    is_active: u.isActive ?? true,
    user_type: u.userType ?? null,
    profile_id: u.profileId ?? null,
    user_license_id: null,
    user_license_name: u.license === undefined ? 'Salesforce' : u.license,
    last_login_at: u.lastLoginAt ?? null,
    created_at: u.createdAt ?? new Date('2020-01-01T00:00:00Z'),
    last_modified_at: u.lastModifiedAt ?? u.createdAt ?? new Date('2020-01-01T00:00:00Z'),
    system_modstamp: new Date('2020-01-01T00:00:00Z'),
  }));
  await sql`insert into sf_users ${sql(rows)}`;
  const logins = users.map((u) => ({
    integration_id: integrationId,
    id: `0Yw${u.id.slice(3)}`,
    user_id: u.id,
    is_frozen: u.frozen ?? false,
    is_password_locked: false,
    last_modified_at: u.frozenAt ?? new Date('2020-01-01T00:00:00Z'),
  }));
  await sql`insert into sf_user_logins ${sql(logins)}`;
}

export interface LoginFixture {
  id: string;
  userId: string;
  at: Date;
  status?: string;
  loginType?: string;
  ip?: string;
  country?: string | null;
  lat?: number | null;
  lon?: number | null;
}

export async function insertLogins(sql: Sql, integrationId: string, logins: LoginFixture[]) {
  const rows = logins.map((l) => ({
    integration_id: integrationId,
    id: l.id,
    user_id: l.userId,
    login_time: l.at,
    login_type: l.loginType ?? 'Application',
    status: l.status ?? 'Success',
    source_ip: l.ip ?? '10.0.0.1',
    application: 'Browser',
    country_iso: l.country === undefined ? 'US' : l.country,
    geo_country_iso: l.country === undefined ? 'US' : l.country,
    geo_latitude: l.lat === undefined ? 40.71 : l.lat,
    geo_longitude: l.lon === undefined ? -74.0 : l.lon,
  }));
  for (let i = 0; i < rows.length; i += 2000) {
    await sql`insert into sf_login_history ${sql(rows.slice(i, i + 2000))}`;
  }
}

export async function insertPermissionSets(
  sql: Sql,
  integrationId: string,
  sets: {
    id: string;
    profileId?: string | null;
    modifyAllData?: boolean;
    viewAllData?: boolean;
    manageUsers?: boolean;
    apiUserOnly?: boolean;
    assignees?: string[];
  }[],
) {
  await sql`insert into sf_permission_sets ${sql(
    sets.map((s) => ({
      integration_id: integrationId,
      id: s.id,
      name: s.id,
      is_owned_by_profile: Boolean(s.profileId),
      profile_id: s.profileId ?? null,
      modify_all_data: s.modifyAllData ?? false,
      view_all_data: s.viewAllData ?? false,
      manage_users: s.manageUsers ?? false,
      api_user_only: s.apiUserOnly ?? false,
    })),
  )}`;
  const assignments = sets.flatMap((s) =>
    (s.assignees ?? []).map((assignee, i) => ({
      integration_id: integrationId,
      id: `0Pa${s.id.slice(3, 10)}${String(i).padStart(8, '0')}`,
      assignee_id: assignee,
      permission_set_id: s.id,
    })),
  );
  if (assignments.length > 0) await sql`insert into sf_permission_set_assignments ${sql(assignments)}`;
}

/** Every finding of an integration, page after page (listFindings' keyset pages of 200). */
export async function everyFinding(sql: Sql, tenantId: string, integrationId: string): Promise<Finding[]> {
  const all: Finding[] = [];
  let after;
  do {
    const page = await listFindings(sql, { tenantId, integrationId, limit: 200, after });
    all.push(...page.findings);
    after = page.next ?? undefined;
  } while (after);
  return all;
}
