-- LedgerBee (reference 004): customers and vendors, their groups, contacts and departments.
-- A LedgerBee company is a Kontor org: every row carries org_id and every key starts with it.
-- Ids are uuids as the product shows them. Written by src/ledgerbee/*-store.ts only.

-- A group says which control account (receivable for customers, payable for vendors) the
-- server's own AR/AP line of a customer or supplier entry posts to. Seeded per company.
CREATE TABLE ledgerbee_customer_groups (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  number int NOT NULL,
  name text NOT NULL,
  account_id uuid,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ledgerbee_customer_groups_number ON ledgerbee_customer_groups (org_id, number);

CREATE TABLE ledgerbee_customers (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  customer_number text NOT NULL,
  customer_type text NOT NULL CHECK (customer_type IN ('company', 'individual')),
  name text NOT NULL,
  vat_zone text NOT NULL CHECK (vat_zone IN ('domestic', 'eu', 'abroad', 'domestic_without_vat')),
  group_id uuid NOT NULL,
  is_active boolean NOT NULL,
  billing_relationship text NOT NULL CHECK (billing_relationship IN ('self', 'parent_pays')),
  parent_customer_id uuid,
  include_child_details_pdf boolean NOT NULL,
  email text,
  phone text,
  address text,
  city text,
  postal_code text,
  country_code text,
  vat_number text,
  website text,
  external_system_id text,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, group_id) REFERENCES ledgerbee_customer_groups (org_id, id),
  FOREIGN KEY (org_id, parent_customer_id) REFERENCES ledgerbee_customers (org_id, id),
  CHECK ((billing_relationship = 'parent_pays') = (parent_customer_id IS NOT NULL))
);
-- The list is sorted by number; ?customerNumber= and ?externalSystemId= are exact lookups.
CREATE UNIQUE INDEX ledgerbee_customers_number ON ledgerbee_customers (org_id, customer_number);
CREATE UNIQUE INDEX ledgerbee_customers_external ON ledgerbee_customers (org_id, external_system_id) WHERE external_system_id IS NOT NULL;
-- ?metadata[key]=value pairs are one containment test (metadata @> {...}).
CREATE INDEX ledgerbee_customers_metadata ON ledgerbee_customers USING gin (metadata jsonb_path_ops);

CREATE TABLE ledgerbee_customer_contacts (
  org_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  id uuid NOT NULL,
  seq int NOT NULL,
  name text NOT NULL,
  email text,
  phone text,
  is_default boolean NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, customer_id) REFERENCES ledgerbee_customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_customer_contacts_customer ON ledgerbee_customer_contacts (org_id, customer_id, seq);
CREATE UNIQUE INDEX ledgerbee_customer_contacts_default ON ledgerbee_customer_contacts (org_id, customer_id) WHERE is_default;

CREATE TABLE ledgerbee_customer_departments (
  org_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  id uuid NOT NULL,
  seq int NOT NULL,
  name text NOT NULL,
  attention text,
  email text,
  address text,
  city text,
  postal_code text,
  country_code text,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, customer_id) REFERENCES ledgerbee_customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_customer_departments_customer ON ledgerbee_customer_departments (org_id, customer_id, seq);

CREATE TABLE ledgerbee_vendor_groups (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  number int NOT NULL,
  name text NOT NULL,
  account_id uuid,
  PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ledgerbee_vendor_groups_number ON ledgerbee_vendor_groups (org_id, number);

CREATE TABLE ledgerbee_vendors (
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  vendor_number text NOT NULL,
  name text NOT NULL,
  group_id uuid NOT NULL,
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'inactive')),
  email text,
  phone text,
  address text,
  city text,
  postal_code text,
  country_code text,
  vat_number text,
  attention text,
  payment_terms int,
  default_account_id uuid,
  -- Minor units of the company's currency; positive = we owe the vendor.
  opening_balance bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, group_id) REFERENCES ledgerbee_vendor_groups (org_id, id)
);
CREATE UNIQUE INDEX ledgerbee_vendors_number ON ledgerbee_vendors (org_id, vendor_number);

CREATE TABLE ledgerbee_vendor_contacts (
  org_id uuid NOT NULL,
  vendor_id uuid NOT NULL,
  id uuid NOT NULL,
  seq int NOT NULL,
  name text NOT NULL,
  email text,
  phone text,
  is_default boolean NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, vendor_id) REFERENCES ledgerbee_vendors (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_vendor_contacts_vendor ON ledgerbee_vendor_contacts (org_id, vendor_id, seq);
CREATE UNIQUE INDEX ledgerbee_vendor_contacts_default ON ledgerbee_vendor_contacts (org_id, vendor_id) WHERE is_default;

CREATE TABLE ledgerbee_vendor_departments (
  org_id uuid NOT NULL,
  vendor_id uuid NOT NULL,
  id uuid NOT NULL,
  seq int NOT NULL,
  name text NOT NULL,
  attention text,
  email text,
  address text,
  city text,
  postal_code text,
  country_code text,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, vendor_id) REFERENCES ledgerbee_vendors (org_id, id) ON DELETE CASCADE
);
CREATE INDEX ledgerbee_vendor_departments_vendor ON ledgerbee_vendor_departments (org_id, vendor_id, seq);
