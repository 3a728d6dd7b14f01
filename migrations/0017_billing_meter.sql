-- Billing metering (reference 003, "Metering"): usage events and the idempotency keys that
-- refuse a repeated event. Events are kept; keys only as long as they must refuse repeats
-- (at least 24 h, METER_KEY_RETENTION_HOURS), so they live in their own table a sweeper
-- empties, and a client may reuse a key once it has lapsed.

-- No foreign key to orgs on these two (as on postings): they take tens of thousands of rows a
-- second, a per-row check would cost a fifth of each insert, and their org is always the
-- authenticated key's, which exists.
CREATE TABLE billing_usage_events (
  org_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  tenant_id text NOT NULL,
  feature_key text NOT NULL,
  quantity bigint NOT NULL CHECK (quantity >= 0),
  -- When the usage happened (the request's time unless the event names one).
  at timestamptz NOT NULL,
  idempotency_key text,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
-- Usage sums over a period and history buckets: one tenant's feature over a time range.
CREATE INDEX billing_usage_events_feature ON billing_usage_events (org_id, mode, tenant_id, feature_key, at);
-- The raw event list: a tenant's events newest first.
CREATE INDEX billing_usage_events_tenant ON billing_usage_events (org_id, mode, tenant_id, at DESC, id DESC);

-- One row per idempotency_key still refusing repeats: scoped to app, mode and tenant.
CREATE TABLE billing_meter_keys (
  org_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  tenant_id text NOT NULL,
  idempotency_key text NOT NULL,
  event_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, mode, tenant_id, idempotency_key)
);
-- For the sweeper: keys arrive in time order, so a BRIN index finds the old ones for a
-- fraction of a b-tree's upkeep on every insert.
CREATE INDEX billing_meter_keys_created ON billing_meter_keys USING brin (created_at);
