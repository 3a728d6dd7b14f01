import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { findCompany, type LedgerBeeDeps } from './company-store.ts';
import { insertJournalEntries, journalEntriesById, markReversed, type JournalEntry } from './journal-store.ts';
import { checkLockDate } from './journal.ts';

export interface ReversalOptions {
  /** The reversal's date (default: today, UTC). */
  date?: string | null;
  description?: string | null;
}

/**
 * Reverses posted entries, all or none: each reversal is a ledger reversal (the original's
 * postings negated, `reverses_id` set) and a journal entry of its own, linked both ways. An
 * entry is reversed at most once (409 `JOURNAL_ENTRY_ALREADY_REVERSED`); an id the company
 * does not have is 404 (`JOURNAL_ENTRY_NOT_FOUND`). `at(i)` names the id's property.
 */
export async function reverseJournalEntries(deps: LedgerBeeDeps, tx: Queryable, orgId: string, ids: string[], options: ReversalOptions, at: (i: number) => string = () => 'id'): Promise<JournalEntry[]> {
  const company = await findCompany(tx, orgId);
  if (!company) throw new DomainError('not_found', 'company not found');
  const now = deps.clock.now();
  const date = options.date ?? now.toISOString().slice(0, 10);
  checkLockDate(company, date, 'date');
  const found = await journalEntriesById(tx, orgId, ids, true);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const entry = found.get(id);
    if (!entry) throw new DomainError('not_found', 'journal entry not found', at(i), { code: 'JOURNAL_ENTRY_NOT_FOUND', property: at(i) });
    if (entry.reversedById || seen.has(id)) {
      throw new DomainError('already_reversed', `journal entry ${id} is already reversed${entry.reversedById ? ` by ${entry.reversedById}` : ''}`, at(i), { code: 'JOURNAL_ENTRY_ALREADY_REVERSED', reversedById: entry.reversedById });
    }
    seen.add(id);
  });
  const reversals: JournalEntry[] = [];
  for (const id of ids) {
    const original = found.get(id)!;
    const description = options.description ?? `Reversal of ${original.description ?? original.entryType}`.slice(0, 1000);
    const posted = await deps.ledger.reverseEntry(orgId, id, { effectiveAt: new Date(`${date}T00:00:00Z`), description }, tx);
    reversals.push({
      ...original,
      id: posted.entry.id,
      date,
      originalAmount: original.originalAmount === null ? null : -original.originalAmount,
      description,
      lines: original.lines.map((l) => ({ ...l, amount: -l.amount, vatAmount: -l.vatAmount, postedAmount: -l.postedAmount })),
      reversesId: id,
      reversedById: null,
      createdAt: now,
    });
  }
  checkLockDate({ lockDate: await insertJournalEntries(tx, orgId, reversals, []) }, date, 'date');
  await markReversed(tx, orgId, reversals.map((r) => ({ originalId: r.reversesId!, reversalId: r.id })));
  return reversals;
}
