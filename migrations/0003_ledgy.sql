-- Ledgy (reference 001): personal and shared-ledger finance. Ledgy users live in one org
-- per deployment (so groups can be shared between them); each user has a ledger of their own.

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE ledgy_users (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  ledger_id uuid NOT NULL,
  primary_currency text NOT NULL,
  -- 'trialing' (active until trial_ends_at), 'active', 'inactive'.
  subscription_status text NOT NULL CHECK (subscription_status IN ('trialing', 'active', 'inactive')),
  trial_ends_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE ledgy_accounts (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  ledger_account_id uuid NOT NULL,
  opening_entry_id uuid,
  name text NOT NULL,
  currency_code text NOT NULL,
  -- Units of 1/10,000 of the currency (Ledgy money has up to 4 decimals in any currency).
  initial_balance bigint NOT NULL,
  sort_order int NOT NULL,
  icon text,
  color text,
  icon_color text,
  share_invite_token text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgy_accounts_user ON ledgy_accounts (org_id, user_id, sort_order);

CREATE TABLE ledgy_category_groups (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  name text NOT NULL,
  sort_order int NOT NULL,
  icon text,
  color text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgy_category_groups_user ON ledgy_category_groups (org_id, user_id);

CREATE TABLE ledgy_categories (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('income', 'expense')),
  sort_order int NOT NULL,
  is_pinned boolean NOT NULL,
  category_group_id uuid,
  icon text,
  color text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgy_categories_user ON ledgy_categories (org_id, user_id);

CREATE TABLE ledgy_groups (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  owner_id uuid NOT NULL,
  name text NOT NULL,
  description text,
  icon text,
  color text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE ledgy_group_members (
  org_id uuid NOT NULL,
  group_id uuid NOT NULL,
  user_id uuid NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, group_id, user_id)
);
CREATE INDEX ledgy_group_members_user ON ledgy_group_members (org_id, user_id);

CREATE TABLE ledgy_budgets (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  name text,
  amount bigint NOT NULL,
  currency_code text NOT NULL,
  period smallint NOT NULL CHECK (period BETWEEN 0 AND 3),
  start_date timestamptz NOT NULL,
  end_date timestamptz,
  is_active boolean NOT NULL,
  -- A user category (uuid text) or a system category id (`cat_…`).
  category_id text,
  group_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgy_budgets_user ON ledgy_budgets (org_id, user_id);

CREATE TABLE ledgy_transactions (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('income', 'expense', 'transfer', 'adjustment')),
  amount bigint NOT NULL,
  currency_code text NOT NULL,
  exchange_rate text,
  converted_amount bigint,
  date timestamptz NOT NULL,
  account_id uuid,
  to_account_id uuid,
  category_id text,
  group_id uuid,
  payee text,
  note text,
  receipt_image_path text,
  recurring_transaction_id text,
  source text NOT NULL,
  -- The ledger entry in force for this row; an edit reverses it and posts a new one.
  entry_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
-- The list order (date, then creation, then id, newest first) per owner and per group.
CREATE INDEX ledgy_transactions_user_order ON ledgy_transactions (org_id, user_id, date DESC, created_at DESC, id DESC);
CREATE INDEX ledgy_transactions_group_order ON ledgy_transactions (org_id, group_id, date DESC, created_at DESC, id DESC) WHERE group_id IS NOT NULL;
CREATE INDEX ledgy_transactions_updated ON ledgy_transactions (org_id, user_id, updated_at);
CREATE INDEX ledgy_transactions_account ON ledgy_transactions (org_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX ledgy_transactions_to_account ON ledgy_transactions (org_id, to_account_id) WHERE to_account_id IS NOT NULL;
