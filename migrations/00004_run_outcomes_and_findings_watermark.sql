-- A run stopped by its per-run API budget ends as 'partial': nothing failed, and the next run continues
-- from the saved cursors.
alter table collection_runs drop constraint collection_runs_status_check;
alter table collection_runs add constraint collection_runs_status_check
  check (status in ('running', 'paused', 'succeeded', 'partial', 'failed', 'cancelled'));

-- Logins up to this time have been through a successful findings recompute. The next recompute starts here
-- (minus the collection overlap), so logins collected by a run whose recompute failed are never skipped.
alter table integrations add column findings_through timestamptz;
