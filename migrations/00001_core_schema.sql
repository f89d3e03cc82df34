-- Tenants, API keys and integrations: who owns which Salesforce org connection.
create table tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  created_at timestamptz not null default now()
);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  name text not null,
  -- The first characters of the key, shown in listings so people can tell keys apart.
  prefix text not null,
  -- sha256 of the whole key; the key itself is shown once at creation and never stored.
  key_hash bytea not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

create table integrations (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id) on delete cascade,
  display_name text not null,
  salesforce_url text not null,
  consumer_key text not null,
  -- AES-256-GCM: iv (12 bytes) || ciphertext || tag (16 bytes); key id says which key encrypted it.
  consumer_secret_ciphertext bytea not null,
  consumer_secret_key_id text not null,
  consumer_secret_last4 text not null,
  credentials_version integer not null default 1,
  options jsonb not null default '{}',
  -- Mirrors the workflow's state for listings; the workflow is the authority while it runs.
  state text not null default 'awaiting_test',
  enabled boolean not null default true,
  org_id text,
  edition text,
  last_test jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  disconnected_at timestamptz
);
create index integrations_tenant_created on integrations (tenant_id, created_at, id);

-- One row per collection run (initial or incremental).
create table collection_runs (
  id uuid primary key default gen_random_uuid(),
  integration_id uuid not null references integrations (id) on delete cascade,
  kind text not null check (kind in ('initial', 'incremental')),
  trigger text not null check (trigger in ('collect_now', 'schedule')),
  status text not null check (status in ('running', 'paused', 'succeeded', 'failed', 'cancelled')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  api_calls integer not null default 0,
  -- Per object: { pages, records, cursor, startedAt, finishedAt }.
  progress jsonb not null default '{}',
  -- Each pause: { reason, usage, max, threshold, at, resumeAt, resumedAt }.
  pauses jsonb not null default '[]',
  error text,
  workflow_id text not null
);
-- At most one unfinished run per integration: a second Collect Now or a schedule firing cannot add one.
create unique index collection_runs_one_active on collection_runs (integration_id) where status in ('running', 'paused');
create index collection_runs_integration_started on collection_runs (integration_id, started_at desc, id);

-- Where each object's collection stands: the watermark between runs, the page cursor inside a run.
create table collection_cursors (
  integration_id uuid not null references integrations (id) on delete cascade,
  object text not null,
  -- Highest (timestamp, Id) fully collected by a finished pass; the next incremental pass starts here minus the overlap.
  watermark_at timestamptz,
  watermark_id text,
  -- The run whose pass is in progress, and where it is: { nextRecordsUrl, lastAt, lastId, pages, records, windowStart }.
  run_id uuid,
  position jsonb,
  updated_at timestamptz not null default now(),
  primary key (integration_id, object)
);

-- Collected Salesforce objects, keyed by (integration, Salesforce Id). last_seen_run_id lets a full pass
-- remove rows Salesforce no longer returns (e.g. a revoked permission set assignment).
create table sf_users (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  username text not null,
  name text,
  first_name text,
  last_name text,
  email text,
  alias text,
  is_active boolean not null,
  user_type text,
  profile_id text,
  profile_name text,
  user_license_id text,
  user_license_name text,
  user_role_id text,
  federation_identifier text,
  last_login_at timestamptz,
  last_password_change_at timestamptz,
  created_at timestamptz,
  last_modified_at timestamptz,
  system_modstamp timestamptz not null,
  collected_at timestamptz not null default now(),
  primary key (integration_id, id)
);
create index sf_users_license on sf_users (integration_id, user_license_name);
create index sf_users_last_login on sf_users (integration_id, last_login_at);

create table sf_user_logins (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  user_id text not null,
  is_frozen boolean not null,
  is_password_locked boolean not null,
  last_modified_at timestamptz,
  last_seen_run_id uuid,
  primary key (integration_id, id)
);
create index sf_user_logins_user on sf_user_logins (integration_id, user_id);

create table sf_user_licenses (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  name text not null,
  master_label text,
  license_definition_key text,
  status text,
  total_licenses integer,
  used_licenses integer,
  last_seen_run_id uuid,
  primary key (integration_id, id)
);

create table sf_permission_sets (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  name text not null,
  label text,
  is_owned_by_profile boolean not null,
  profile_id text,
  modify_all_data boolean not null default false,
  view_all_data boolean not null default false,
  manage_users boolean not null default false,
  api_enabled boolean not null default false,
  api_user_only boolean not null default false,
  last_seen_run_id uuid,
  primary key (integration_id, id)
);

create table sf_permission_set_assignments (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  assignee_id text not null,
  permission_set_id text not null,
  system_modstamp timestamptz,
  last_seen_run_id uuid,
  primary key (integration_id, id)
);
create index sf_psa_assignee on sf_permission_set_assignments (integration_id, assignee_id);

create table sf_login_history (
  integration_id uuid not null references integrations (id) on delete cascade,
  id text not null,
  user_id text not null,
  login_time timestamptz not null,
  login_type text,
  login_sub_type text,
  status text,
  source_ip text,
  application text,
  browser text,
  platform text,
  login_url text,
  country_iso text,
  api_type text,
  api_version text,
  client_version text,
  cipher_suite text,
  tls_protocol text,
  authentication_service_id text,
  login_geo_id text,
  geo_city text,
  geo_country text,
  geo_country_iso text,
  geo_subdivision text,
  geo_postal_code text,
  geo_latitude double precision,
  geo_longitude double precision,
  primary key (integration_id, id)
);
create index sf_login_history_time on sf_login_history (integration_id, login_time, id);
create index sf_login_history_user_time on sf_login_history (integration_id, user_id, login_time);
create index sf_login_history_ip_time on sf_login_history (integration_id, source_ip, login_time);
