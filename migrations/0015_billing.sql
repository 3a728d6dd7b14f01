-- Billing (reference 003), part 1: plans, customers, subscriptions and the proration lines a
-- plan change leaves for the next invoice. Every row carries the app (org_id) and the key's
-- mode: live and sandbox are separate worlds, so every key and every query names both.

CREATE TABLE billing_plans (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  slug text NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
  trial_days int NOT NULL,
  -- Features and pricing as written by src/billing/plan-store.ts (integers as decimal strings).
  features jsonb NOT NULL,
  pricing jsonb,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX billing_plans_slug ON billing_plans (org_id, mode, slug);

CREATE TABLE billing_customers (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  tenant_id text NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  currency text NOT NULL,
  billing_address jsonb,
  tax_ids jsonb NOT NULL,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX billing_customers_email ON billing_customers (org_id, mode, lower(email));
-- One customer per tenant: the tenant's subscriptions, invoices and usage are that customer's.
CREATE UNIQUE INDEX billing_customers_tenant ON billing_customers (org_id, mode, tenant_id);

CREATE TABLE billing_subscriptions (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  tenant_id text NOT NULL,
  plan_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'trialing', 'past_due', 'canceled', 'expired', 'paused')),
  current_period_start timestamptz NOT NULL,
  current_period_end timestamptz NOT NULL,
  -- Stored, not recovered from the period: a 29 February anchor survives common years.
  billing_anchor_day smallint NOT NULL CHECK (billing_anchor_day BETWEEN 1 AND 31),
  -- The seats the subscription holds: a seat feature's use, and what a downgrade must allow.
  seats bigint NOT NULL CHECK (seats >= 0),
  trial_start timestamptz,
  trial_end timestamptz,
  cancel_at timestamptz,
  canceled_at timestamptz,
  ended_at timestamptz,
  paused_at timestamptz,
  resume_at timestamptz,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, plan_id) REFERENCES billing_plans (org_id, id)
);
-- One live subscription per tenant, held by the database under any concurrency.
CREATE UNIQUE INDEX billing_subscriptions_live_tenant ON billing_subscriptions (org_id, mode, tenant_id)
  WHERE status IN ('active', 'trialing', 'past_due', 'paused');
CREATE INDEX billing_subscriptions_tenant ON billing_subscriptions (org_id, mode, tenant_id, created_at);
CREATE INDEX billing_subscriptions_plan ON billing_subscriptions (org_id, plan_id);

-- Charges and credits waiting for the subscription's next invoice (part 2 picks them up and
-- sets invoice_id).
CREATE TABLE billing_pending_lines (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  subscription_id uuid NOT NULL,
  type text NOT NULL,
  description text NOT NULL,
  plan_id uuid NOT NULL,
  quantity bigint NOT NULL,
  unit_amount bigint NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  invoice_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, subscription_id) REFERENCES billing_subscriptions (org_id, id)
);
CREATE INDEX billing_pending_lines_subscription ON billing_pending_lines (org_id, subscription_id) WHERE invoice_id IS NULL;
