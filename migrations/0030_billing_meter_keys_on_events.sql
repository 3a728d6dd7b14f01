-- Metering at ingest speed (issue 13, decision 0017): an event's idempotency_key is refused
-- by a unique index on the events themselves, so a group of events is one INSERT … ON
-- CONFLICT DO NOTHING instead of an insert into a keys table and then one of events. Keys are
-- now kept as long as their events (for good), beyond the 24 h the issue asks; the keys table
-- and its sweeper go.
DROP TABLE billing_meter_keys;

-- (A key repeated after its old retention lapsed would make this fail: keys were swept after
-- 24 h by real time, and no release has shipped metering, so none can exist.)
CREATE UNIQUE INDEX billing_usage_events_key ON billing_usage_events (org_id, mode, tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Three indexes instead of four on a table taking tens of thousands of rows a second: the
-- raw event list (a tenant's events newest first, a backward scan) is the primary key, and
-- nothing looks events up by id alone.
ALTER TABLE billing_usage_events DROP CONSTRAINT billing_usage_events_pkey;
DROP INDEX billing_usage_events_tenant;
ALTER TABLE billing_usage_events ADD PRIMARY KEY (org_id, mode, tenant_id, at, id);
