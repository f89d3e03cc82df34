import type { Sql } from '../platform/database';

/**
 * Set-returning SQL fragments (one column, `user_id`) that classify users of one integration. They are
 * composed into the insight queries as sub-selects, so they run inside the same statement.
 */

/**
 * API-only integration users: the "API Only User" permission (PermissionsApiUserOnly) from the profile's
 * own permission set or an assigned one, or the "Salesforce Integration" user licence, which is API-only by
 * definition (salesforce-api.md §6).
 */
export function apiOnlyUserIds(sql: Sql, integrationId: string) {
  // "= any(array(…))" over the handful of matching permission sets makes PostgreSQL probe the
  // (integration_id, profile_id) and (integration_id, permission_set_id) indexes instead of hashing the
  // whole user and assignment tables, whose row estimate it cannot derive from a flag on another table.
  return sql`
    select u.id as user_id
    from sf_users u
    where u.integration_id = ${integrationId} and u.profile_id = any(array(
      select ps.profile_id from sf_permission_sets ps
      where ps.integration_id = ${integrationId} and ps.is_owned_by_profile and ps.api_user_only
    ))
    union
    select a.assignee_id
    from sf_permission_set_assignments a
    where a.integration_id = ${integrationId} and a.permission_set_id = any(array(
      select ps.id from sf_permission_sets ps where ps.integration_id = ${integrationId} and ps.api_user_only
    ))
    union
    select u.id
    from sf_users u
    where u.integration_id = ${integrationId} and u.user_license_name = 'Salesforce Integration'
  `;
}

/**
 * Privileged users: Modify All Data or View All Data, granted by the profile (its profile-owned permission
 * set) or by an assigned permission set (salesforce-api.md §5.6).
 */
export function privilegedUserIds(sql: Sql, integrationId: string) {
  return sql`
    select u.id as user_id
    from sf_users u
    where u.integration_id = ${integrationId} and u.profile_id = any(array(
      select ps.profile_id from sf_permission_sets ps
      where ps.integration_id = ${integrationId} and ps.is_owned_by_profile
        and (ps.modify_all_data or ps.view_all_data)
    ))
    union
    select a.assignee_id
    from sf_permission_set_assignments a
    where a.integration_id = ${integrationId} and a.permission_set_id = any(array(
      select ps.id from sf_permission_sets ps
      where ps.integration_id = ${integrationId} and (ps.modify_all_data or ps.view_all_data)
    ))
  `;
}
