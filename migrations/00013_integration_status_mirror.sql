-- The integration workflow's status (state, resume state, quota, pause, attention), written by the workflow
-- itself whenever it changes (workflows/integration.ts, mirrorStatus). The API's status page reads it instead of
-- sending a Temporal query per request; the workflow stays the authority for actions. Writes are ordered by
-- (workflow time, sequence) so one that arrives late never overwrites a newer one.
alter table integrations
  add column status_mirror jsonb,
  add column status_mirrored_at timestamptz,
  add column status_mirror_seq integer;
