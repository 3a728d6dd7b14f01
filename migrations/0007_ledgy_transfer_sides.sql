-- A transfer moves money between two different accounts (issue 12, item 6). NOT VALID: rows
-- written before this rule are left as they are; every new or updated row is checked.
ALTER TABLE ledgy_transactions
  ADD CONSTRAINT ledgy_transfer_sides_differ CHECK (type <> 'transfer' OR account_id IS DISTINCT FROM to_account_id OR account_id IS NULL) NOT VALID;
