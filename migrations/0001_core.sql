-- Kontor core schema. Every table carries org_id first in its keys, so a sharded
-- PostgreSQL (Citus) can distribute on it; every query filters on it.

CREATE TABLE orgs (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE users (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  surface text NOT NULL,
  email text NOT NULL,
  password_hash text NOT NULL,
  name text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
-- Identities are per surface: one email may register on MyCFO and on Ledgy.
CREATE UNIQUE INDEX users_surface_email ON users (surface, lower(email));

CREATE TABLE api_keys (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  surface text NOT NULL,
  user_id uuid,
  name text,
  -- The first characters of the secret, shown in listings so a human can tell keys apart.
  start text NOT NULL,
  secret_sha256 bytea NOT NULL,
  scopes text[] NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX api_keys_secret ON api_keys (secret_sha256);

CREATE TABLE idempotency_keys (
  org_id uuid NOT NULL,
  principal_id text NOT NULL,
  surface text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  -- Set while the first request runs; cleared when its response is stored.
  locked_at timestamptz,
  status_code int,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, principal_id, surface, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE audit_log (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  actor text,
  details jsonb,
  at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE ledgers (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  metadata jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ledgers_name ON ledgers (org_id, name);

CREATE TABLE accounts (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  ledger_id uuid NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
  currency text NOT NULL,
  scale smallint NOT NULL,
  -- Lowest allowed balance on the account's normal side: 0 = must not go negative,
  -- -L = credit limit L, NULL = no limit.
  min_balance bigint,
  -- Sum of postings, debits positive. Maintained on every write.
  balance bigint NOT NULL DEFAULT 0,
  metadata jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, ledger_id) REFERENCES ledgers (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX accounts_code ON accounts (org_id, ledger_id, code);

CREATE TABLE entries (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  ledger_id uuid NOT NULL,
  effective_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  external_id text,
  description text,
  reverses_id uuid,
  -- Exchange rates of a multi-currency entry, e.g. {"EUR/USD": "1.085"}.
  rates jsonb,
  metadata jsonb,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX entries_ledger ON entries (org_id, ledger_id, id);
CREATE UNIQUE INDEX entries_external_id ON entries (org_id, ledger_id, external_id) WHERE external_id IS NOT NULL;
-- An entry is reversed at most once.
CREATE UNIQUE INDEX entries_reverses ON entries (org_id, reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE postings (
  org_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  seq smallint NOT NULL,
  account_id uuid NOT NULL,
  -- Debits positive, credits negative, in the account's asset.
  amount bigint NOT NULL,
  PRIMARY KEY (org_id, entry_id, seq)
);
CREATE INDEX postings_account ON postings (org_id, account_id, entry_id);

-- Net postings per account and effective day: balances as of a date read these
-- instead of scanning every posting.
CREATE TABLE account_days (
  org_id uuid NOT NULL,
  account_id uuid NOT NULL,
  day date NOT NULL,
  delta bigint NOT NULL,
  PRIMARY KEY (org_id, account_id, day)
);
