-- Each ledger belongs to the surface that made it (issue 12, item 18): the native API sees
-- only its own ledgers, so a native key minted for Ledgy's org or a MyCFO org reaches none
-- of that surface's data. Existing ledgers are given to the surface whose rows name them.
ALTER TABLE ledgers ADD COLUMN owner text NOT NULL DEFAULT 'kontor';
UPDATE ledgers SET owner = 'ledgy' WHERE (org_id, id) IN (SELECT org_id, ledger_id FROM ledgy_users);
UPDATE ledgers SET owner = 'mycfo' WHERE (org_id, id) IN (SELECT org_id, ledger_id FROM cfo_workspaces);
-- From now on every ledger is made with its owner named.
ALTER TABLE ledgers ALTER COLUMN owner DROP DEFAULT;
-- Names are unique per owner: a native client's name never collides with (or reveals) another surface's.
DROP INDEX ledgers_name;
CREATE UNIQUE INDEX ledgers_owner_name ON ledgers (org_id, owner, name);
-- The native list walks its own ledgers only.
CREATE INDEX ledgers_owner_order ON ledgers (org_id, owner, id DESC);
