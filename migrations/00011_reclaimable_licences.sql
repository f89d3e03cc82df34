-- Which users hold a licence that could be reclaimed (insights/unused-accounts.ts "Which licences can be
-- reclaimed"): UserType and licence kind decide it, and API-only users on paid licences are reclaimable too,
-- with their own reason. The rule is evaluated by refreshUserLicenseActivity at every recompute; this backfill
-- applies the same rule to the rows already there so the report is right before the next run.
alter table user_license_activity add column user_type text,
  add column reclaimable boolean not null default false;

update user_license_activity a set user_type = u.user_type
from sf_users u
where u.integration_id = a.integration_id and u.id = a.user_id;

update user_license_activity set reclaimable = license is not null
  and coalesce(user_type, 'Standard') <> all(
    array['Guest', 'AutomatedProcess', 'CloudIntegrationUser', 'CsnOnly', 'SelfService']
  )
  and license <> all(
    array['Salesforce Integration', 'Chatter Free', 'Chatter External', 'Guest User License',
      'Analytics Cloud Integration User']
  )
  and license not like '% Login';
alter table user_license_activity alter column reclaimable drop default;

-- The report's three reads now cover API-only holders of paid licences too (reason api_only_unused), so the
-- partial indexes select on `reclaimable` and carry api_only.
drop index user_license_activity_unused;
drop index user_license_activity_frozen;
drop index user_license_activity_page;
create index user_license_activity_unused on user_license_activity (integration_id, activity_at)
  include (license, last_login_at, created_at, frozen, api_only)
  where reclaimable;
create index user_license_activity_frozen on user_license_activity (integration_id)
  include (license, last_login_at, created_at, activity_at, api_only)
  where frozen and reclaimable;
create index user_license_activity_page on user_license_activity
  (integration_id, license, last_login_at nulls first, user_id)
  include (username, name, profile_name, user_type, created_at, frozen, activity_at, api_only)
  where reclaimable;

analyze user_license_activity;
