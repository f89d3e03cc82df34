-- GET /v1/integrations/{id}/users pages by (username, id): without this index every page sorted all of an
-- integration's users (found by the API latency benchmark at 100,000 users).
create index sf_users_username on sf_users (integration_id, username, id);
