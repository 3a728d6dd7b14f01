-- Billing (reference 003), part 2: coupons and their redemptions, each app's payment
-- provider account, and the payment methods customers hold at that provider.

-- A coupon: a percentage off or an amount off, redeemable within [valid_from, valid_until)
-- at most max_redemptions times (<= 0: unlimited). Deleted coupons keep their row (deleted_at)
-- so the subscriptions that redeemed them keep their discount; their code may be used again.
CREATE TABLE billing_coupons (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('percentage', 'amount')),
  percentage int CHECK (percentage BETWEEN 0 AND 100),
  amount bigint CHECK (amount >= 0),
  currency text,
  max_redemptions int NOT NULL,
  -- Counted in the same statement that checks the cap (src/billing/coupon-store.ts).
  times_redeemed int NOT NULL DEFAULT 0 CHECK (times_redeemed >= 0),
  valid_from timestamptz,
  valid_until timestamptz,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id),
  CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from),
  CHECK ((type = 'percentage' AND percentage IS NOT NULL) OR (type = 'amount' AND amount IS NOT NULL AND currency IS NOT NULL))
);
CREATE UNIQUE INDEX billing_coupons_code ON billing_coupons (org_id, mode, code) WHERE deleted_at IS NULL;
CREATE INDEX billing_coupons_created ON billing_coupons (org_id, mode, created_at) WHERE deleted_at IS NULL;

-- A coupon applied to a subscription: each of its invoices gets a discount line for it,
-- oldest redemption first. Once per subscription and coupon.
CREATE TABLE billing_coupon_redemptions (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  coupon_id uuid NOT NULL,
  subscription_id uuid NOT NULL,
  applied_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, coupon_id) REFERENCES billing_coupons (org_id, id),
  FOREIGN KEY (org_id, subscription_id) REFERENCES billing_subscriptions (org_id, id)
);
CREATE UNIQUE INDEX billing_coupon_redemptions_once ON billing_coupon_redemptions (org_id, subscription_id, coupon_id);

-- The payment provider of an app in one mode (live keys for live, test keys for sandbox), set
-- by the operator (`kontor billing provider set`). The secrets are the provider's API key and
-- its webhook signing secret; the API's base URL is the server's (environment), not the app's.
CREATE TABLE billing_provider_accounts (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  provider text NOT NULL CHECK (provider IN ('stripe', 'paddle')),
  api_key text NOT NULL,
  webhook_secret text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, mode)
);
CREATE INDEX billing_provider_accounts_provider ON billing_provider_accounts (provider);

-- A customer's payment method: the provider holds the card; this row holds what the
-- reference shows of it and the provider's id. One default per customer.
CREATE TABLE billing_payment_methods (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  customer_id uuid NOT NULL,
  provider text NOT NULL,
  provider_id text NOT NULL,
  provider_customer_id text NOT NULL,
  type text NOT NULL,
  last4 text NOT NULL,
  brand text NOT NULL,
  expiry_month int NOT NULL,
  expiry_year int NOT NULL,
  is_default boolean NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, customer_id) REFERENCES billing_customers (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX billing_payment_methods_provider_id ON billing_payment_methods (org_id, mode, provider, provider_id);
CREATE UNIQUE INDEX billing_payment_methods_default ON billing_payment_methods (org_id, customer_id) WHERE is_default;
CREATE INDEX billing_payment_methods_customer ON billing_payment_methods (org_id, customer_id, created_at);

-- The provider's customer object for a billing customer, made on first use.
CREATE TABLE billing_provider_customers (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  customer_id uuid NOT NULL,
  provider text NOT NULL,
  provider_customer_id text NOT NULL,
  PRIMARY KEY (org_id, customer_id, provider),
  FOREIGN KEY (org_id, customer_id) REFERENCES billing_customers (org_id, id) ON DELETE CASCADE
);
