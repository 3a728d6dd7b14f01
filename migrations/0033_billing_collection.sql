-- Automatic collection and dunning (issue 14, Payments): a finalised invoice of a customer with a
-- default payment method is charged by the scheduler; a failure makes it past_due and retries
-- on the schedule of src/billing/dunning.ts.
ALTER TABLE billing_invoices
  -- When the collector next charges the invoice (null: nothing due: paid, voided, no method, or dunning over).
  ADD COLUMN next_collection_at timestamptz,
  -- Collection attempts made (1 = the charge at finalisation, then the retries).
  ADD COLUMN collection_attempts integer NOT NULL DEFAULT 0,
  -- The first failed attempt: the retries are counted from it.
  ADD COLUMN first_failed_at timestamptz;
CREATE INDEX billing_invoices_collection ON billing_invoices (next_collection_at) WHERE next_collection_at IS NOT NULL;

-- What an app's dunning does after its last retry failed (GET/PUT /ledger/collection-settings):
-- `cancel` the subscription at once, or `keep` it past_due. No row: cancel.
CREATE TABLE billing_collection_settings (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  after_final_failure text NOT NULL CHECK (after_final_failure IN ('cancel', 'keep')),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, mode)
);
