-- Billing invoices, customer credit and tax settings (reference 003, "Invoices"; issue 14).
-- Every row carries the app (org_id) and the key's mode, as part 1's tables do.

CREATE TABLE billing_invoices (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  tenant_id text NOT NULL,
  -- The tenant's customer when the invoice was made; null: nobody to bill yet (finalising is
  -- refused with invoice_incomplete until one exists).
  customer_id uuid,
  subscription_id uuid NOT NULL,
  plan_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'pending', 'paid', 'past_due', 'voided')),
  currency text NOT NULL,
  subtotal bigint NOT NULL,
  discount_amount bigint NOT NULL,
  tax_amount bigint NOT NULL,
  total bigint NOT NULL,
  -- Customer credit taken at finalisation; amount_due = total - credit_applied.
  credit_applied bigint NOT NULL DEFAULT 0,
  amount_due bigint NOT NULL,
  -- The tax rule that applied: rate in parts per million of the net, and why.
  tax_rate_ppm integer NOT NULL,
  tax_note text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  -- INV-YYYY-NNNN, given at finalisation, gap-free per app, mode and year.
  number text,
  due_date timestamptz,
  finalized_at timestamptz,
  -- Drafts the clock made finalise themselves at this time (the scheduler); null: by hand only.
  auto_finalize_at timestamptz,
  paid_at timestamptz,
  payment_ref text,
  voided_at timestamptz,
  void_reason text,
  -- Base fees of a period not yet over when finalised go to deferred revenue; recognised at its end.
  deferred_amount bigint NOT NULL DEFAULT 0,
  recognized_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, subscription_id) REFERENCES billing_subscriptions (org_id, id)
);
-- One non-voided invoice per subscription and period (409 on a second; a voided one can be made again).
CREATE UNIQUE INDEX billing_invoices_period ON billing_invoices (org_id, mode, subscription_id, period_start, period_end) WHERE status <> 'voided';
CREATE UNIQUE INDEX billing_invoices_number ON billing_invoices (org_id, mode, number) WHERE number IS NOT NULL;
CREATE INDEX billing_invoices_list ON billing_invoices (org_id, mode, tenant_id, created_at DESC, id DESC);
CREATE INDEX billing_invoices_customer ON billing_invoices (org_id, mode, customer_id, status);
CREATE INDEX billing_invoices_auto ON billing_invoices (auto_finalize_at) WHERE auto_finalize_at IS NOT NULL AND status = 'draft';
CREATE INDEX billing_invoices_deferred ON billing_invoices (org_id, mode, subscription_id, period_end) WHERE deferred_amount <> 0 AND recognized_at IS NULL;

CREATE TABLE billing_invoice_lines (
  org_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  invoice_id uuid NOT NULL,
  position integer NOT NULL,
  type text NOT NULL CHECK (type IN ('base', 'overage', 'seat', 'proration', 'discount', 'tax', 'credit')),
  description text NOT NULL,
  quantity bigint NOT NULL,
  unit_amount bigint NOT NULL,
  amount bigint NOT NULL,
  -- What the line's revenue is booked against: the plan, and the feature of overage and seat lines.
  plan_id uuid,
  feature_key text,
  period_start timestamptz,
  period_end timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, invoice_id) REFERENCES billing_invoices (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX billing_invoice_lines_order ON billing_invoice_lines (org_id, invoice_id, position);

-- The last invoice number given per app, mode and year: the row lock of its increment orders
-- concurrent finalisations, and a rolled-back finalisation gives its number back (gap-free).
CREATE TABLE billing_invoice_numbers (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  year integer NOT NULL,
  last_seq integer NOT NULL,
  PRIMARY KEY (org_id, mode, year)
);

-- A customer's available credit (the reference's negative balance), in the customer's currency.
ALTER TABLE billing_customers ADD COLUMN credit_balance bigint NOT NULL DEFAULT 0 CHECK (credit_balance >= 0);

-- Every movement of customer credit: granted (POST /customers/{id}/credit) or applied to an invoice.
CREATE TABLE billing_credit_transactions (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  customer_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('granted', 'applied', 'restored')),
  amount bigint NOT NULL,
  currency text NOT NULL,
  reason text,
  invoice_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX billing_credit_transactions_customer ON billing_credit_transactions (org_id, mode, customer_id, created_at);

-- An app's tax rule (GET/PUT /ledger/tax-settings): rates per customer country and the
-- exemption for customers with a valid tax id. No row: no tax.
CREATE TABLE billing_tax_settings (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, mode)
);
