-- A long keyset pass (an initial LoginHistory pass) split into time segments collected in parallel, each with
-- its own keyset position ({ nextRecordsUrl, lastAt, lastId, pages, records, windowStart, windowEnd }), written
-- in the same transaction as the segment's rows. Rows are dropped when the pass completes (the watermark moves
-- in collection_cursors in that same transaction).
create table collection_segments (
  integration_id uuid not null references integrations (id) on delete cascade,
  object text not null,
  segment integer not null check (segment >= 0),
  run_id uuid not null,
  position jsonb not null,
  finished_at timestamptz,
  primary key (integration_id, object, segment)
);
