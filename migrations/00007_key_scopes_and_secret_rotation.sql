-- API key scopes: a `read` key can list and export; only an `admin` key changes integrations, credentials or
-- findings. Existing keys keep the rights they had (admin). An optional expiry bounds a leaked key's life.
alter table api_keys add column scope text not null default 'admin' check (scope in ('admin', 'read'));
alter table api_keys add column expires_at timestamptz;

-- Consumer secrets encrypted since this migration are bound to their integration (AES-GCM additional data),
-- so a ciphertext copied onto another row no longer decrypts. Older rows stay readable until
-- `npm run admin -- secrets rotate` re-encrypts them.
alter table integrations add column consumer_secret_bound boolean not null default false;

-- One row per secrets key id: a known plaintext encrypted under that key. At start-up each configured key
-- must decrypt its canary, so reusing a key id for a different key is refused before any secret is touched.
create table secret_key_canaries (
  key_id text primary key,
  ciphertext bytea not null,
  created_at timestamptz not null default now()
);
