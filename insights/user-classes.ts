import type { Sql } from '../platform/database';

/**
 * Set-returning SQL fragments (one column, `user_id`) that classify users of one integration. They are
 * composed into the insight queries as sub-selects, so they run inside the same statement.
 */

/**
 * API-only integration users: the "API Only User" permission (PermissionsApiUserOnly) from the profile's
 * own permission set or an assigned one, or the "Salesforce Integration" user licence, which is API-only by
 * definition (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionset.htm).
 */
export function apiOnlyUserIds(sql: Sql, integrationId: string) {
  // Driven from the handful of matching permission sets through a lateral join, so each set is one
  // parameterised range of the (integration_id, profile_id) / (integration_id, permission_set_id) indexes.
  // With "= any(array(…))" the planner cannot see the array's size and, on a large org, chose to scan all of
  // sf_users (≈ 40 ms of the unused-accounts report at 100 k users). "offset 0" keeps the lateral from being
  // flattened into a hash join over the whole table.
  return sql`
    select u.id as user_id
    from sf_permission_sets ps
    cross join lateral (
      select u.id from sf_users u where u.integration_id = ${integrationId} and u.profile_id = ps.profile_id
      offset 0
    ) u
    where ps.integration_id = ${integrationId} and ps.is_owned_by_profile and ps.api_user_only
    union
    select a.assignee_id
    from sf_permission_sets ps
    cross join lateral (
      select a.assignee_id from sf_permission_set_assignments a
      where a.integration_id = ${integrationId} and a.permission_set_id = ps.id
      offset 0
    ) a
    where ps.integration_id = ${integrationId} and ps.api_user_only
    union
    select u.id
    from sf_users u
    where u.integration_id = ${integrationId} and u.user_license_name = 'Salesforce Integration'
  `;
}

/**
 * API-only users with the earliest time their API-only classification can be trusted: the assignment's
 * SystemModstamp for an assigned API-only permission set, else the user record's LastModifiedDate (a
 * profile or licence change updates it). Later unrelated edits move it forward too, which can only hide UI
 * logins, never invent them: a repurposed user's earlier history is never reported.
 */
export function apiOnlyUsersSince(sql: Sql, integrationId: string) {
  return sql`
    select c.user_id, min(c.since) as since
    from (
      select u.id as user_id, coalesce(u.last_modified_at, u.created_at, '-infinity') as since
      from sf_permission_sets ps
      join sf_users u on u.integration_id = ${integrationId} and u.profile_id = ps.profile_id
      where ps.integration_id = ${integrationId} and ps.is_owned_by_profile and ps.api_user_only
      union all
      select a.assignee_id, coalesce(a.system_modstamp, '-infinity')
      from sf_permission_sets ps
      join sf_permission_set_assignments a
        on a.integration_id = ${integrationId} and a.permission_set_id = ps.id
      where ps.integration_id = ${integrationId} and ps.api_user_only
      union all
      select u.id, coalesce(u.last_modified_at, u.created_at, '-infinity')
      from sf_users u
      where u.integration_id = ${integrationId} and u.user_license_name = 'Salesforce Integration'
    ) c
    group by c.user_id
  `;
}

/**
 * Privileged users: Modify All Data, View All Data or Manage Users (which can reset passwords and assign
 * profiles and permission sets, so it is a path to the other two), granted by the profile (its profile-owned permission
 * set) or by an assigned permission set (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm).
 */
export function privilegedUserIds(sql: Sql, integrationId: string) {
  return sql`
    select u.id as user_id
    from sf_users u
    where u.integration_id = ${integrationId} and u.profile_id = any(array(
      select ps.profile_id from sf_permission_sets ps
      where ps.integration_id = ${integrationId} and ps.is_owned_by_profile
        and (ps.modify_all_data or ps.view_all_data or ps.manage_users)
    ))
    union
    select a.assignee_id
    from sf_permission_set_assignments a
    where a.integration_id = ${integrationId} and a.permission_set_id = any(array(
      select ps.id from sf_permission_sets ps
      where ps.integration_id = ${integrationId} and (ps.modify_all_data or ps.view_all_data or ps.manage_users)
    ))
  `;
}
