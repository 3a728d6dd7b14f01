-- Payment providers' webhook events Kontor has applied (POST /webhooks/stripe, /webhooks/paddle):
-- an event id seen again in the same app world changes nothing. Recorded in the transaction
-- that applies the event, so an event whose work rolled back is applied when redelivered.
CREATE TABLE billing_provider_events (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  -- What applying it did (`payment_succeeded`, `ignored`, …), for people reading the table.
  outcome text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, mode, provider, event_id)
);
CREATE INDEX billing_provider_events_received ON billing_provider_events (received_at);
