import type { z } from '@hono/zod-openapi';
import type { FindingKind, FindingSeverity, FindingStatus } from '../insights/finding-kinds';
import type { FindingRow } from '../insights/findings';
import type { Sql } from '../platform/database';
import { CURSOR_TIME_FORMAT } from './pagination';
import type { LoginQuerySchema, UserQuerySchema } from './schemas/collected';
import type { tenantIntegrationId } from './tenant-integrations';

/*
 * The collected-data queries, shared by the paged listings and the streaming exports so both apply exactly
 * the same filters and order. Without `page` a query returns every matching row (the export reads it through
 * a cursor).
 */
export type UserFilter = z.infer<typeof UserQuerySchema>;
export type LoginFilter = z.infer<typeof LoginQuerySchema>;
/**
 * Whose rows: an integration id already checked against the tenant (the exports), or the tenant-scoped
 * subquery of `tenantIntegrationId` (the paged listings, which check the tenant in the page's own round trip).
 */
export type IntegrationScope = string | ReturnType<typeof tenantIntegrationId>;

export interface Page {
  after: string[] | null | undefined;
  limit: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export interface UserRow {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  alias: string | null;
  is_active: boolean;
  user_type: string | null;
  profile_id: string | null;
  profile_name: string | null;
  user_license_id: string | null;
  user_license_name: string | null;
  user_role_id: string | null;
  federation_identifier: string | null;
  last_login_at: Date | null;
  last_password_change_at: Date | null;
  created_at: Date | null;
  last_modified_at: Date | null;
  is_frozen: boolean;
  is_password_locked: boolean;
  collected_at: Date;
}

export interface LoginRow {
  id: string;
  user_id: string;
  username: string | null;
  login_time: Date;
  cursor_time: string;
  login_type: string | null;
  login_sub_type: string | null;
  status: string | null;
  source_ip: string | null;
  application: string | null;
  browser: string | null;
  platform: string | null;
  login_url: string | null;
  country_iso: string | null;
  api_type: string | null;
  api_version: string | null;
  tls_protocol: string | null;
  geo_city: string | null;
  geo_country: string | null;
  geo_country_iso: string | null;
  geo_subdivision: string | null;
  geo_latitude: number | null;
  geo_longitude: number | null;
}

export const toUser = (r: UserRow) => ({
  id: r.id,
  username: r.username,
  name: r.name,
  email: r.email,
  alias: r.alias,
  isActive: r.is_active,
  userType: r.user_type,
  profileId: r.profile_id,
  profileName: r.profile_name,
  userLicenseId: r.user_license_id,
  userLicenseName: r.user_license_name,
  userRoleId: r.user_role_id,
  federationIdentifier: r.federation_identifier,
  lastLoginAt: iso(r.last_login_at),
  lastPasswordChangeAt: iso(r.last_password_change_at),
  createdAt: iso(r.created_at),
  lastModifiedAt: iso(r.last_modified_at),
  isFrozen: r.is_frozen,
  isPasswordLocked: r.is_password_locked,
  collectedAt: r.collected_at.toISOString(),
});

export const toLogin = (r: LoginRow) => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  loginTime: r.login_time.toISOString(),
  loginType: r.login_type,
  loginSubType: r.login_sub_type,
  status: r.status,
  sourceIp: r.source_ip,
  application: r.application,
  browser: r.browser,
  platform: r.platform,
  loginUrl: r.login_url,
  countryIso: r.country_iso,
  apiType: r.api_type,
  apiVersion: r.api_version,
  tlsProtocol: r.tls_protocol,
  geo: {
    city: r.geo_city,
    country: r.geo_country,
    countryIso: r.geo_country_iso,
    subdivision: r.geo_subdivision,
    latitude: r.geo_latitude,
    longitude: r.geo_longitude,
  },
});

/**
 * Every row of a keyset listing, one batch at a time, each batch the listing's own page query: LIMIT on the
 * listing's index order, so the first rows come at once whatever the table's size, and nothing (connection,
 * transaction, snapshot) is held between batches while the reader is slow. One cursor over the unlimited query
 * let the planner pick a hash join and a sort of the whole table instead: at 5M logins its first fetch outlived
 * the API's 10 s statement timeout and the export answered nothing (bench/RESULTS.md §10).
 */
export async function* keysetBatches<Row>(
  page: (next: Page) => Promise<Row[]>,
  keyOf: (row: Row) => string[],
  size: number,
): AsyncGenerator<Row[]> {
  let after: string[] | null = null;
  for (;;) {
    const rows = await page({ after, limit: size });
    const batch = rows.length > size ? rows.slice(0, size) : rows;
    if (batch.length > 0) yield batch;
    if (rows.length <= size) return;
    after = keyOf(batch[batch.length - 1]!);
  }
}

/** Users ordered by username, then id (the listing's keyset order). */
export function selectUsers(sql: Sql, integration: IntegrationScope, q: UserFilter, page?: Page) {
  return sql<UserRow[]>`
    select u.id, u.username, u.name, u.email, u.alias, u.is_active, u.user_type, u.profile_id, u.profile_name,
      u.user_license_id, u.user_license_name, u.user_role_id, u.federation_identifier, u.last_login_at,
      u.last_password_change_at, u.created_at, u.last_modified_at, u.collected_at,
      coalesce(ul.is_frozen, false) as is_frozen, coalesce(ul.is_password_locked, false) as is_password_locked
    from sf_users u
    left join lateral (
      -- A user has at most one UserLogin; if a stale duplicate exists, the frozen one wins.
      select is_frozen, is_password_locked from sf_user_logins l
      where l.integration_id = u.integration_id and l.user_id = u.id
      order by is_frozen desc limit 1
    ) ul on true
    where u.integration_id = ${integration}
      ${q.active !== undefined ? sql`and u.is_active = ${q.active}` : sql``}
      ${q.license ? sql`and u.user_license_name = ${q.license}` : sql``}
      ${q.profile ? sql`and u.profile_name = ${q.profile}` : sql``}
      ${q.lastLoginBefore ? sql`and u.last_login_at < ${q.lastLoginBefore}::timestamptz` : sql``}
      ${q.lastLoginAfter ? sql`and u.last_login_at >= ${q.lastLoginAfter}::timestamptz` : sql``}
      ${q.neverLoggedIn !== undefined ? (q.neverLoggedIn ? sql`and u.last_login_at is null` : sql`and u.last_login_at is not null`) : sql``}
      ${q.frozen !== undefined ? sql`and coalesce(ul.is_frozen, false) = ${q.frozen}` : sql``}
      ${page?.after ? sql`and (u.username, u.id) > (${page.after[0]!}, ${page.after[1]!})` : sql``}
    order by u.username, u.id
    ${page ? sql`limit ${page.limit + 1}` : sql``}`;
}

/** Login events newest first: login time, then id, descending (the listing's keyset order). */
export function selectLogins(sql: Sql, integration: IntegrationScope, q: LoginFilter, page?: Page) {
  const country = q.country?.toUpperCase();
  return sql<LoginRow[]>`
    select h.id, h.user_id, u.username, h.login_time,
      to_char(h.login_time at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time,
      h.login_type, h.login_sub_type, h.status, h.source_ip, h.application, h.browser, h.platform, h.login_url,
      h.country_iso, h.api_type, h.api_version, h.tls_protocol, h.geo_city, h.geo_country, h.geo_country_iso,
      h.geo_subdivision, h.geo_latitude, h.geo_longitude
    from sf_login_history h
    left join sf_users u on u.integration_id = h.integration_id and u.id = h.user_id
    where h.integration_id = ${integration}
      ${q.userId ? sql`and h.user_id = ${q.userId}` : sql``}
      ${q.username ? sql`and u.username = ${q.username}` : sql``}
      ${q.status ? sql`and h.status = ${q.status}` : sql``}
      ${q.loginType ? sql`and h.login_type = ${q.loginType}` : sql``}
      ${country ? sql`and (h.country_iso = ${country} or h.geo_country_iso = ${country})` : sql``}
      ${q.sourceIp ? sql`and h.source_ip = ${q.sourceIp}` : sql``}
      ${q.from ? sql`and h.login_time >= ${q.from}::timestamptz` : sql``}
      ${q.to ? sql`and h.login_time < ${q.to}::timestamptz` : sql``}
      ${page?.after ? sql`and (h.login_time, h.id) < (${page.after[0]!}::text::timestamptz, ${page.after[1]!})` : sql``}
    order by h.login_time desc, h.id desc
    ${page ? sql`limit ${page.limit + 1}` : sql``}`;
}

export interface FindingExportFilter {
  kind?: FindingKind;
  severity?: FindingSeverity;
  status?: FindingStatus;
}

/**
 * Every current finding of one integration matching the listing's filters, in the listing's order (newest
 * incident first: first seen, then id, descending) off the (integration_id, first_seen_at desc, id desc) index.
 */
export function selectFindings(sql: Sql, integrationId: string, q: FindingExportFilter) {
  return sql<FindingRow[]>`
    select f.id, f.integration_id, f.kind, f.severity, f.status, f.user_id, u.username, f.user_ids, f.source_ip,
      f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at, f.status_changed_at, f.status_note,
      f.created_at, f.updated_at
    from findings f
    left join sf_users u on u.integration_id = f.integration_id and u.id = f.user_id
    where f.integration_id = ${integrationId} and f.superseded_at is null
      ${q.kind ? sql`and f.kind = ${q.kind}` : sql``}
      ${q.severity ? sql`and f.severity = ${q.severity}` : sql``}
      ${q.status ? sql`and f.status = ${q.status}` : sql``}
    order by f.first_seen_at desc, f.id desc`;
}
