-- Storage per transfer (ledger.storage: 793 → 725 bytes). Postings are found by entry through
-- a plain index, where B-tree deduplication keeps a transfer's postings in one index tuple;
-- (entry_id, seq) stays unique by construction, since the engine numbers an entry's postings
-- itself. ULID keys only grow at the right edge, so pages need no free room.
ALTER TABLE postings DROP CONSTRAINT postings_pkey;
CREATE INDEX postings_entry ON postings (org_id, entry_id) WITH (fillfactor = 100);
ALTER INDEX entries_pkey SET (fillfactor = 100);
ALTER INDEX entries_ledger SET (fillfactor = 100);
-- Balances and per-day totals are updated in place on every write: room in each page lets
-- PostgreSQL make those heap-only updates, which touch no index.
ALTER TABLE accounts SET (fillfactor = 70);
ALTER TABLE account_days SET (fillfactor = 70);
