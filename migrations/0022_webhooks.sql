-- Outgoing webhooks, the shared core (issue 14, decision 0021). Surface-neutral: every row names
-- the org (the app), the surface whose API manages it ('billing', later 'ledgerbee') and the
-- key's mode ('live' where a surface has no modes). An event is written in the transaction of
-- the change it reports, with one delivery row per matching endpoint; the worker leases due
-- deliveries (FOR UPDATE SKIP LOCKED), sends, and records each attempt.

CREATE TABLE webhook_endpoints (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  surface text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  url text NOT NULL,
  description text NOT NULL,
  -- Event types it receives; empty: every type.
  event_types text[] NOT NULL,
  -- whsec_…: signing needs the secret itself, so it is kept (shown to the app once).
  secret text NOT NULL,
  -- After a roll, the previous secret signs too until previous_secret_until.
  previous_secret text,
  previous_secret_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX webhook_endpoints_world ON webhook_endpoints (org_id, surface, mode, created_at, id);

CREATE TABLE webhook_events (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  surface text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  type text NOT NULL,
  -- The exact JSON every attempt sends and signs ({id, type, timestamp, data}): never re-serialised.
  body text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX webhook_events_recorded ON webhook_events (recorded_at);

CREATE TABLE webhook_deliveries (
  org_id uuid NOT NULL,
  id uuid NOT NULL,
  endpoint_id uuid NOT NULL,
  event_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  -- Attempts started (a lease taken); the next one is attempts + 1.
  attempts int NOT NULL DEFAULT 0,
  -- When it is next due: the retry time, or the end of the lease a worker holds. Null once done.
  next_attempt_at timestamptz,
  -- The worker claim holding it; a result is recorded only under the claim that sent it.
  lease uuid,
  last_attempt_at timestamptz,
  last_response_code int,
  last_error text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, endpoint_id) REFERENCES webhook_endpoints (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, event_id) REFERENCES webhook_events (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (org_id, endpoint_id, event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (org_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (org_id, event_id);

CREATE TABLE webhook_attempts (
  org_id uuid NOT NULL,
  delivery_id uuid NOT NULL,
  attempt int NOT NULL,
  at timestamptz NOT NULL,
  succeeded boolean NOT NULL,
  -- The HTTP status the endpoint answered; null when none came (timeout, refused, unreachable).
  response_code int,
  error text,
  duration_ms int NOT NULL,
  PRIMARY KEY (org_id, delivery_id, attempt),
  FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id) ON DELETE CASCADE
);
