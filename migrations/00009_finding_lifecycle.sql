-- Finding lifecycle and detection quality (insights/README.md "Finding lifecycle"):
-- * span_from/span_to: the events a rule groups an incident on; continuation across runs compares spans, so a
--   split recompute groups incidents exactly as a full one does.
-- * superseded_at: a point-in-time finding a re-evaluation no longer produces (a late login changed the answer),
--   a privileged-unused finding whose user logged in, or a duplicate folded into another; hidden from lists.
-- * finding_status_changes: who changed a finding's status, when, from what, with which note; reopenings by new
--   activity are recorded with no actor.
-- * trusted_networks: per-integration allow-list (VPN, egress, office ranges) that travel, new-country and spray
--   rules ignore.
alter table findings add column span_from timestamptz, add column span_to timestamptz,
  add column superseded_at timestamptz;
update findings set span_from = first_seen_at, span_to = last_seen_at;
alter table findings alter column span_from set not null, alter column span_to set not null;

-- The open queue (and any status filter) reads its page off an index instead of filtering every finding.
create index findings_integration_status_first_seen on findings (integration_id, status, first_seen_at desc, id desc)
  where superseded_at is null;
drop index findings_incident;
create index findings_incident on findings (integration_id, kind, subject, span_to);

create table finding_status_changes (
  id bigint generated always as identity primary key,
  finding_id uuid not null references findings (id) on delete cascade,
  from_status text,
  to_status text not null check (to_status in ('open', 'acknowledged', 'resolved')),
  note text,
  -- The API key that made the change (its name copied, so the trail survives the key's deletion); null for
  -- the system (a finding reopened by new activity).
  actor_api_key_id uuid,
  actor_name text,
  reason text not null check (reason in ('analyst', 'new_activity')),
  changed_at timestamptz not null
);
create index finding_status_changes_finding on finding_status_changes (finding_id, changed_at, id);

create table trusted_networks (
  id uuid primary key default gen_random_uuid(),
  integration_id uuid not null references integrations (id) on delete cascade,
  cidr cidr not null,
  label text not null,
  created_at timestamptz not null default now(),
  unique (integration_id, cidr)
);

-- LoginHistory.SourceIp as an address, null when Salesforce wrote something else (never an error mid-query).
create function login_source_inet(ip text) returns inet
  language plpgsql immutable parallel safe
as $$
begin
  return ip::inet;
exception when others then
  return null;
end;
$$;
