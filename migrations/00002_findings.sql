-- Identity insights: unauthorized-access findings, a daily rollup of login activity, and the indexes the
-- insight queries need on the collected sf_* tables (plans and figures in insights/README.md).

-- One row per detected incident. Recomputation upserts on (integration_id, dedupe_key) and never touches
-- status, so an analyst's "acknowledged" survives every later run.
create table findings (
  id uuid primary key default gen_random_uuid(),
  integration_id uuid not null references integrations (id) on delete cascade,
  kind text not null check (
    kind in (
      'brute_force',
      'password_spray',
      'impossible_travel',
      'new_country',
      'dormant_account_reactivated',
      'inactive_user_attempts',
      'privileged_user_unused',
      'api_only_user_interactive_login'
    )
  ),
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  -- kind + subject + start of the incident; an incident that grows across runs keeps the key it was given.
  dedupe_key text not null,
  -- Who or what the incident is about: a Salesforce user id, a source IP (password spray), or user:country.
  subject text not null,
  user_id text,
  -- Every user the evidence touches (one for most kinds, the targeted users for a password spray).
  user_ids text[] not null default '{}',
  source_ip text,
  -- LoginHistory ids, sorted; capped so a week-long attack cannot grow a row without bound.
  evidence_login_ids text[] not null default '{}',
  details jsonb not null default '{}',
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  status_changed_at timestamptz,
  status_note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (integration_id, dedupe_key)
);
-- Cursor pagination (newest incident first) per integration, and across a tenant's integrations.
create index findings_integration_first_seen on findings (integration_id, first_seen_at desc, id desc);
-- Recompute looks up an existing incident of the same kind and subject that a new window extends.
create index findings_incident on findings (integration_id, kind, subject, last_seen_at);

-- Login counts per UTC day and dimension value, rebuilt for the touched days by recomputeFindings. The
-- authentication review reads this instead of aggregating millions of LoginHistory rows per request.
create table login_daily_counts (
  integration_id uuid not null references integrations (id) on delete cascade,
  day date not null,
  -- 'status' | 'login_type' | 'application' | 'country'
  dimension text not null,
  -- '' when Salesforce left the field empty.
  value text not null,
  logins integer not null,
  failures integer not null,
  primary key (integration_id, dimension, day, value)
);

-- LoginHistory: "Success" is the only success Status (Salesforce Object Reference, LoginHistory.Status: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm); failures are everything else.
create index sf_login_history_user_success on sf_login_history (integration_id, user_id, login_time)
  where status = 'Success';
create index sf_login_history_failures on sf_login_history (integration_id, login_time)
  include (user_id, source_ip)
  where status <> 'Success';
create index sf_login_history_ip_failures on sf_login_history (integration_id, source_ip, login_time)
  include (user_id)
  where status <> 'Success';
create index sf_login_history_user_country_success on sf_login_history (
  integration_id,
  user_id,
  (coalesce(geo_country_iso, country_iso)),
  login_time
)
  where status = 'Success';
create index sf_login_history_interactive on sf_login_history (integration_id, user_id, login_time)
  where login_type = 'Application';

create index sf_users_profile on sf_users (integration_id, profile_id);
create index sf_users_active_last_login on sf_users (integration_id, last_login_at) where is_active;
create index sf_user_logins_frozen on sf_user_logins (integration_id, user_id) where is_frozen;
create index sf_psa_permission_set on sf_permission_set_assignments (integration_id, permission_set_id, assignee_id);
