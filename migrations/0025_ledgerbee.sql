-- LedgerBee (reference 004), part 1: a company is a Kontor org. Its chart of accounts, VAT
-- codes and journal categories are seeded when the company is first used; postable accounts
-- share their id with the ledger account they post to (one to one). OAuth clients and their
-- access tokens; an IP allow-list on API keys (any surface may use it, LedgerBee does).

ALTER TABLE api_keys ADD COLUMN ip_allowlist text[];

CREATE TABLE ledgerbee_companies (
  org_id uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  ledger_id uuid NOT NULL,
  name text NOT NULL,
  currency text NOT NULL,
  -- Postings dated on or before this day are refused (null: none).
  lock_date date,
  licences text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);

CREATE TABLE ledgerbee_accounts (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  -- For BALANCE_SHEET and PROFIT_AND_LOSS rows: the id of the ledger account it posts to.
  id uuid NOT NULL,
  account_number int NOT NULL,
  name text NOT NULL,
  ledger_type text NOT NULL CHECK (ledger_type IN ('BALANCE_SHEET', 'HEADING_BREAK', 'HEADING', 'PROFIT_AND_LOSS', 'TOTAL_FROM', 'TOTAL_INTERVALS')),
  classification text CHECK (classification IN ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE')),
  control_type text CHECK (control_type IN ('ACCOUNTS_RECEIVABLE', 'ACCOUNTS_PAYABLE')),
  -- TOTAL_FROM / TOTAL_INTERVALS rows: the account numbers they add up.
  total_from int,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, account_number)
);

CREATE TABLE ledgerbee_vat_codes (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  vat_code text NOT NULL,
  name text NOT NULL,
  -- Basis points: 2500 = 25 %.
  rate_bp int NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
  type text NOT NULL CHECK (type IN ('SALES', 'PURCHASE', 'EU_PURCHASE_REVERSE_CHARGE', 'EXEMPT')),
  principle text NOT NULL CHECK (principle IN ('Gross', 'Net')),
  account_id uuid,
  contra_account_id uuid,
  sort int NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, vat_code)
);

CREATE TABLE ledgerbee_journal_categories (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  is_default boolean NOT NULL,
  allowed_journal_types text[] NOT NULL,
  sort int NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE ledgerbee_dimension_categories (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  is_unique boolean NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ledgerbee_dimension_categories_name ON ledgerbee_dimension_categories (org_id, lower(name));

CREATE TABLE ledgerbee_dimension_values (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  category_id uuid NOT NULL,
  parent_id uuid,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, category_id) REFERENCES ledgerbee_dimension_categories (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_dimension_values_category ON ledgerbee_dimension_values (org_id, category_id);

CREATE TABLE ledgerbee_oauth_clients (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  client_id text NOT NULL UNIQUE,
  secret_sha256 bytea NOT NULL,
  name text,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE ledgerbee_oauth_tokens (
  token_sha256 bytea PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  client_row_id uuid NOT NULL,
  scopes text[] NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX ledgerbee_oauth_tokens_expiry ON ledgerbee_oauth_tokens (expires_at);
