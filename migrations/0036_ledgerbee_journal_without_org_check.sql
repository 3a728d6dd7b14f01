-- LedgerBee journal entries take a hundred rows a statement (the v2 batch): the foreign key to
-- orgs checked each row on its own, about a third of the insert's time. As on the ledger's
-- entries and postings (and billing's usage events), the org is always the authenticated
-- caller's, which exists; orgs are never deleted, so the cascade never ran.
ALTER TABLE ledgerbee_journal_entries DROP CONSTRAINT ledgerbee_journal_entries_org_id_fkey;
