-- Set by the reconciler (activities/schedules.ts) when it finds no running workflow behind an enabled integration
-- (terminated outside the product, or lost): the mirrored status (00013) is then the last one a workflow wrote,
-- not a live one, and the status page says so. The next status write of a (restarted) workflow clears it.
alter table integrations
  add column workflow_missing_since timestamptz;
