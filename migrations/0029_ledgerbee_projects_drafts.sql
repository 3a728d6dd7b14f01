-- LedgerBee (reference 004): projects, their subprojects, and draft journal entries.
-- A project is backed by a dimension category (dimension_id) and each subproject is one of
-- its values (the subproject's id is the value's id), so lines tagged with a subproject's
-- value carry the project: its profit is read from those posted lines.

CREATE TABLE ledgerbee_projects (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  name text NOT NULL,
  dimension_id uuid NOT NULL,
  default_subproject_id uuid NOT NULL,
  currency text NOT NULL,
  customer_id uuid,
  -- Hours to the hundredth.
  budget_hours numeric(14, 2),
  -- Minor units of the project's currency.
  budget_amount bigint,
  start_date date,
  end_date date,
  external_reference text,
  color text,
  is_archived boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, customer_id) REFERENCES ledgerbee_customers (org_id, id),
  CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
-- The idempotent upsert's natural key.
CREATE UNIQUE INDEX ledgerbee_projects_external ON ledgerbee_projects (org_id, external_reference) WHERE external_reference IS NOT NULL;
CREATE UNIQUE INDEX ledgerbee_projects_dimension ON ledgerbee_projects (org_id, dimension_id);

CREATE TABLE ledgerbee_subprojects (
  org_id uuid NOT NULL,
  project_id uuid NOT NULL,
  -- The id of the dimension value it is.
  id uuid NOT NULL,
  name text NOT NULL,
  sort_order int NOT NULL,
  budget_hours numeric(14, 2),
  budget_amount bigint,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, project_id) REFERENCES ledgerbee_projects (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_subprojects_project ON ledgerbee_subprojects (org_id, project_id, sort_order);

-- Draft journal entries: the entry as the client wrote it (body), booked later into one
-- posted entry (booked_entry_id, set once: booking twice is refused). The other columns
-- copy what the list filters on.
CREATE TABLE ledgerbee_drafts (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  entry_type text NOT NULL,
  date date NOT NULL,
  -- Minor units: originalAmount when given, else the sum of the debit lines.
  amount bigint NOT NULL,
  customer_id uuid,
  vendor_id uuid,
  external_system_id text,
  description text,
  reference text,
  account_ids uuid[] NOT NULL,
  body jsonb NOT NULL,
  booked_entry_id uuid,
  booked_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX ledgerbee_drafts_date ON ledgerbee_drafts (org_id, date DESC, id DESC);

-- Project profit sums the posted lines of one dimension category (a project) in a date range:
-- an index-only scan of this index, grouped by value and account, then joined to the chart's
-- classification (a few rows). Its cost follows the project's own lines, not the company's.
CREATE INDEX ledgerbee_line_dimensions_category ON ledgerbee_line_dimensions (org_id, category_id, date) INCLUDE (dimension_value_id, account_id, amount);
