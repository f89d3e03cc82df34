-- Identity insights within 100 ms at 100 k users / 5 M logins (issue 6 item 6). Three more structures kept by
-- recomputeFindings next to the rollups of 00003; the plans and figures are in insights/README.md.

-- One row per active user: the licence-reclamation facts the unused-accounts report needs, resolved once per
-- recompute instead of per request (licence name, API-only class, frozen, last successful login = the later
-- of the LoginHistory rollup and User.LastLoginDate). The report becomes index-only ranges of partial indexes.
create table user_license_activity (
  integration_id uuid not null references integrations (id) on delete cascade,
  user_id text not null,
  -- Display fields copied from sf_users with the rest, so neither list has to probe the wide sf_users rows.
  username text not null,
  name text,
  profile_name text,
  -- coalesce(UserLicense.Name, User.UserLicenseName); null for users without a licence (Automated Process).
  license text,
  api_only boolean not null,
  frozen boolean not null,
  last_login_at timestamptz,
  created_at timestamptz,
  -- "Last activity": a user who never logged in is judged from CreatedDate (see unused-accounts.ts).
  activity_at timestamptz generated always as (coalesce(last_login_at, created_at)) stored,
  primary key (integration_id, user_id)
);
-- Reclaimable candidates (licensed, not API-only): unused = a range `activity_at < cutoff`, frozen = the
-- second partial index; INCLUDE makes the per-licence counts index-only.
create index user_license_activity_unused on user_license_activity (integration_id, activity_at)
  include (license, last_login_at, created_at, frozen)
  where not api_only and license is not null;
create index user_license_activity_frozen on user_license_activity (integration_id)
  include (license, last_login_at, created_at, activity_at)
  where frozen and not api_only and license is not null;
-- The listed page in its display order (licence, last login, never-logged-in first): the walk stops after
-- `limit` reclaimable rows instead of sorting every candidate.
create index user_license_activity_page on user_license_activity
  (integration_id, license, last_login_at nulls first, user_id)
  include (username, name, profile_name, created_at, frozen, activity_at)
  where not api_only and license is not null;
-- The API-only list in its display order (username), index-only.
create index user_license_activity_api_only on user_license_activity (integration_id, username)
  include (user_id, name, license, profile_name, last_login_at) where api_only;

-- Failures per user / per source IP over everything in login_failure_daily (sum of its rows). A long range
-- (e.g. the 180-day review, i.e. the whole retained history) is answered as total − the few days outside the
-- range, so its top N is an index walk of these tables instead of an aggregate of every failure.
create table user_failure_totals (
  integration_id uuid not null references integrations (id) on delete cascade,
  user_id text not null,
  failures integer not null,
  last_failure_at timestamptz not null,
  primary key (integration_id, user_id)
);
create index user_failure_totals_top on user_failure_totals (integration_id, failures desc, user_id);

create table ip_failure_totals (
  integration_id uuid not null references integrations (id) on delete cascade,
  source_ip text not null,
  failures integer not null,
  last_failure_at timestamptz not null,
  primary key (integration_id, source_ip)
);
create index ip_failure_totals_top on ip_failure_totals (integration_id, failures desc, source_ip);

-- Backfill from the 00003 rollups so existing integrations are right before their next recompute.
insert into user_failure_totals (integration_id, user_id, failures, last_failure_at)
select integration_id, user_id, sum(failures), max(last_failure_at)
from login_failure_daily group by 1, 2;

insert into ip_failure_totals (integration_id, source_ip, failures, last_failure_at)
select integration_id, source_ip, sum(failures), max(last_failure_at)
from login_failure_daily where source_ip is not null group by 1, 2;

-- Same definition as refreshUserLicenseActivity (insights/rollups.ts) and apiOnlyUserIds (user-classes.ts).
insert into user_license_activity (
  integration_id, user_id, username, name, profile_name, license, api_only, frozen, last_login_at, created_at
)
select u.integration_id, u.id, u.username, u.name, u.profile_name, coalesce(l.name, u.user_license_name),
  coalesce(u.user_license_name = 'Salesforce Integration', false)
    or exists (
      select 1 from sf_permission_sets ps
      where ps.integration_id = u.integration_id and ps.api_user_only and ps.is_owned_by_profile
        and ps.profile_id = u.profile_id
    )
    or exists (
      select 1 from sf_permission_set_assignments a
      join sf_permission_sets ps on ps.integration_id = a.integration_id and ps.id = a.permission_set_id
      where a.integration_id = u.integration_id and a.assignee_id = u.id and ps.api_user_only
    ),
  exists (
    select 1 from sf_user_logins f where f.integration_id = u.integration_id and f.user_id = u.id and f.is_frozen
  ),
  greatest(r.last_success_at, u.last_login_at), u.created_at
from sf_users u
left join sf_user_licenses l on l.integration_id = u.integration_id and l.id = u.user_license_id
left join user_login_rollups r on r.integration_id = u.integration_id and r.user_id = u.id
where u.is_active;

-- Plans of the first reports after the upgrade should not depend on autovacuum having seen these tables.
analyze user_license_activity;
analyze user_failure_totals;
analyze ip_failure_totals;
