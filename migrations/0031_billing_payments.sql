-- Billing payments and refunds (reference 003, "Payments"; issue 14). A payment is opened
-- (pending) before its provider is called, so the provider's idempotency key is derived from
-- its id and a retry after a crash finds the same payment and the same provider object.

CREATE TABLE billing_payments (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  invoice_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  tenant_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'canceled')),
  provider text NOT NULL,
  -- The Kontor payment method charged (null once it is deleted) and the provider's ids.
  payment_method_id uuid,
  provider_method_id text NOT NULL,
  provider_customer_id text NOT NULL,
  -- The provider's payment (Stripe pi_…, Paddle txn_…): null until the provider answered.
  processor_id text,
  -- The caller's idempotency_key (or the invoice's attempt key): the same key is the same payment.
  idempotency_key text NOT NULL,
  -- Automatic collection's attempt number (1 = the charge at finalisation); null: asked by the API.
  collection_attempt integer,
  failure_message text,
  refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  refund_reason text,
  succeeded_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, invoice_id) REFERENCES billing_invoices (org_id, id)
);
CREATE UNIQUE INDEX billing_payments_key ON billing_payments (org_id, mode, idempotency_key);
-- Provider webhooks find a payment by the provider's id.
CREATE UNIQUE INDEX billing_payments_processor ON billing_payments (provider, processor_id) WHERE processor_id IS NOT NULL;
CREATE INDEX billing_payments_list ON billing_payments (org_id, mode, created_at DESC, id DESC);
CREATE INDEX billing_payments_invoice ON billing_payments (org_id, invoice_id);
CREATE INDEX billing_payments_customer ON billing_payments (org_id, mode, customer_id, created_at DESC);

-- A refund of a payment, full or partial: pending until the provider confirms it. Pending
-- and succeeded refunds together never exceed the payment's amount.
CREATE TABLE billing_refunds (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  payment_id uuid NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  provider text NOT NULL,
  -- Stripe re_…, Paddle adj_…; null until the provider answered (or a refund made at the provider, recorded from its webhook).
  processor_id text,
  reason text,
  -- The request's Idempotency-Key, when it had one: a retried request is the same refund.
  request_key text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, payment_id) REFERENCES billing_payments (org_id, id)
);
CREATE UNIQUE INDEX billing_refunds_key ON billing_refunds (org_id, payment_id, request_key) WHERE request_key IS NOT NULL;
CREATE UNIQUE INDEX billing_refunds_processor ON billing_refunds (provider, processor_id) WHERE processor_id IS NOT NULL;
CREATE INDEX billing_refunds_payment ON billing_refunds (org_id, payment_id, created_at);
