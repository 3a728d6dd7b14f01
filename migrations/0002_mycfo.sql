-- MyCFO (reference 002): workspaces over a ledger each, ingested rows that link to their
-- ledger entries, saved forecasts and scenarios, and the last evaluated alerts.

CREATE TABLE cfo_workspaces (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  ledger_id uuid NOT NULL,
  name text NOT NULL,
  currency text NOT NULL,
  cash_on_hand_cents bigint,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE cfo_ingests (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  source text NOT NULL,
  inserted int NOT NULL,
  duplicates int NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);

CREATE TABLE cfo_transactions (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  ingest_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('expense', 'revenue')),
  subtype text NOT NULL,
  -- Cents, positive; refunds negative.
  amount_cents bigint NOT NULL,
  currency text NOT NULL,
  occurred_at timestamptz NOT NULL,
  vendor text,
  description text,
  external_id text,
  source text NOT NULL,
  -- Set when the row is removed; its ledger entry is reversed, never edited.
  deleted_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX cfo_transactions_workspace ON cfo_transactions (org_id, workspace_id, id);
-- external_id dedups per workspace and kind, for good: a removed row still holds its id.
CREATE UNIQUE INDEX cfo_transactions_external_id ON cfo_transactions (org_id, workspace_id, kind, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE cfo_forecasts (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  name text,
  as_of date NOT NULL,
  horizon_months int NOT NULL,
  assumptions jsonb NOT NULL,
  variants jsonb NOT NULL,
  -- The starting point read from the workspace when the forecast was made, so scenarios
  -- re-run it exactly.
  inputs jsonb NOT NULL,
  series jsonb NOT NULL,
  warnings jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX cfo_forecasts_workspace ON cfo_forecasts (org_id, workspace_id, id);

CREATE TABLE cfo_scenarios (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  forecast_id uuid NOT NULL,
  name text,
  delta jsonb NOT NULL,
  impact jsonb NOT NULL,
  series jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX cfo_scenarios_workspace ON cfo_scenarios (org_id, workspace_id, id);

CREATE TABLE cfo_alerts (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  workspace_id uuid NOT NULL,
  type text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  payload jsonb NOT NULL,
  as_of date NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX cfo_alerts_workspace ON cfo_alerts (org_id, workspace_id);
