-- One row per committed write, in the transaction that commits it: who (principal), through
-- which surface and operation, for which request, when, and with which status. Anonymous
-- writes (sign-up) have no org yet.
CREATE TABLE write_audit (
  id uuid PRIMARY KEY,
  org_id uuid,
  principal_id text NOT NULL,
  surface text NOT NULL,
  operation text NOT NULL,
  request_id text,
  status smallint NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX write_audit_org_at ON write_audit (org_id, at);
