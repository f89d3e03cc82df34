-- Purge runs in the worker: a large org holds millions of collected rows, more than one statement should delete
-- inside an API request. The API marks the integration (it leaves the tenant's view at once) and a purge
-- workflow deletes its rows in batches, then the integration row; the reconciler restarts a purge that was
-- marked but never started.
alter table integrations add column purge_requested_at timestamptz;

create index integrations_purge_pending on integrations (purge_requested_at)
  where purge_requested_at is not null;
