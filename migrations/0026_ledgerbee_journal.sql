-- LedgerBee journal entries: each is one ledger entry (the same id) with the lines as the
-- client sent them and the VAT each line carried; per-line dimension values (for reports such as
-- project profit); attachments uploaded with an entry.

CREATE TABLE ledgerbee_journal_entries (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  entry_type text NOT NULL,
  date date NOT NULL,
  original_amount bigint,
  currency text NOT NULL,
  customer_id uuid,
  vendor_id uuid,
  description text,
  reference text,
  external_system_id text,
  journal_category_id uuid,
  tag_ids uuid[] NOT NULL DEFAULT '{}',
  -- The lines as posted (src/ledgerbee/journal-store.ts writes and reads them; amounts as strings).
  lines jsonb NOT NULL,
  reverses_id uuid,
  reversed_by_id uuid,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgerbee_journal_entries_date ON ledgerbee_journal_entries (org_id, date, id);
CREATE INDEX ledgerbee_journal_entries_external ON ledgerbee_journal_entries (org_id, external_system_id) WHERE external_system_id IS NOT NULL;

CREATE TABLE ledgerbee_line_dimensions (
  org_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  line_no int NOT NULL,
  dimension_value_id uuid NOT NULL,
  category_id uuid NOT NULL,
  account_id uuid NOT NULL,
  -- The line's posting on its account (VAT excluded), minor units, debit positive.
  amount bigint NOT NULL,
  date date NOT NULL,
  PRIMARY KEY (org_id, entry_id, line_no, dimension_value_id)
);
CREATE INDEX ledgerbee_line_dimensions_value ON ledgerbee_line_dimensions (org_id, dimension_value_id, date);

CREATE TABLE ledgerbee_attachments (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  journal_entry_id uuid NOT NULL,
  file_name text NOT NULL,
  content_type text NOT NULL,
  size_bytes int NOT NULL,
  data bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgerbee_attachments_entry ON ledgerbee_attachments (org_id, journal_entry_id);
