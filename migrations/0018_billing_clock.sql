-- Billing's clock (issue 13): when each subscription next has something due (a period end, a
-- scheduled cancel, a trial end, a resume_at), so one scheduler finds due work with an index
-- scan, survives restarts, and (row locks, SKIP LOCKED) runs each step once across servers.
ALTER TABLE billing_subscriptions ADD COLUMN next_due_at timestamptz;
-- Rows written before this column: the earliest of their times, never later than the true
-- next step (the scheduler recomputes it exactly when it wakes a row early).
UPDATE billing_subscriptions SET next_due_at = LEAST(current_period_end, cancel_at, trial_end, resume_at)
 WHERE status IN ('active', 'trialing', 'past_due', 'paused');
CREATE INDEX billing_subscriptions_due ON billing_subscriptions (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX billing_subscriptions_world_due ON billing_subscriptions (org_id, mode, next_due_at) WHERE next_due_at IS NOT NULL;

-- What the clock did to each subscription, once: a period rolled (each ended period is owed an
-- invoice, part 2), a trial ended, a scheduled resume or cancel took effect. The unique index
-- makes a step recorded twice (two servers racing) an error instead of a duplicate.
CREATE TABLE billing_subscription_events (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('live', 'sandbox')),
  id uuid NOT NULL,
  subscription_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('period_advanced', 'trial_ended', 'resumed', 'canceled')),
  at timestamptz NOT NULL,
  status text NOT NULL,
  -- The period that ended, for period_advanced (the first of several when one step rolled many).
  period_start timestamptz,
  period_end timestamptz,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, subscription_id) REFERENCES billing_subscriptions (org_id, id)
);
CREATE UNIQUE INDEX billing_subscription_events_once ON billing_subscription_events (org_id, subscription_id, type, at);

-- An app's sandbox time: real time plus an offset that only grows (test clocks move forward).
-- No row: the sandbox runs on real time. Live always runs on real time.
CREATE TABLE billing_test_clocks (
  org_id uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  offset_ms bigint NOT NULL CHECK (offset_ms >= 0),
  advanced_at timestamptz NOT NULL
);
