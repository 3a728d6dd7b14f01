import type { Queryable } from '../platform/db.ts';
import type { JournalType } from './chart.ts';
import type { LedgerBeeDeps } from './company-store.ts';
import { checkDraftEntries, postJournalEntries, type JournalEntry, type JournalEntryInput } from './journal.ts';
import { bookDraft, createDrafts, refuseBooked, deleteDraft, getDraft, listDrafts, replaceDraft, type Draft, type DraftFilter, type DraftSummary } from './draft-store.ts';

/**
 * Draft journal entries: a journal entry kept as written, checked for what it names when it
 * is written, and booked later into one posted entry by `postJournalEntries` (balance, VAT,
 * the lock date and the receivable/payable line happen then, in the booking's transaction).
 * Stored as JSON: amounts as decimal strings, attachments as base64.
 */
export interface DraftBody {
  entryType: JournalType;
  date: string;
  originalAmount: string | null;
  lines: { accountId: string; amount: string; description: string | null; vatCodeId: string | null; customerId: string | null; vendorId: string | null; dimensionValueIds: string[] }[];
  customerId: string | null;
  vendorId: string | null;
  description: string | null;
  reference: string | null;
  externalSystemId: string | null;
  currency: string | null;
  tagIds: string[];
  journalCategoryId: string | null;
  attachments: { fileName: string; contentType: string; data: string }[];
}

export type DraftEntry = Draft<DraftBody>;
/** What a PATCH may change: a field given replaces the draft's (`lines` and `attachments` whole); undefined keeps it. */
export type DraftPatch = Partial<JournalEntryInput>;
export type { DraftFilter } from './draft-store.ts';

export function bodyOf(input: JournalEntryInput): DraftBody {
  return {
    entryType: input.entryType,
    date: input.date,
    originalAmount: input.originalAmount == null ? null : input.originalAmount.toString(),
    lines: input.lines.map((l) => ({
      accountId: l.accountId,
      amount: l.amount.toString(),
      description: l.description ?? null,
      vatCodeId: l.vatCodeId ?? null,
      customerId: l.customerId ?? null,
      vendorId: l.vendorId ?? null,
      dimensionValueIds: l.dimensionValueIds ?? [],
    })),
    customerId: input.customerId ?? null,
    vendorId: input.vendorId ?? null,
    description: input.description ?? null,
    reference: input.reference ?? null,
    externalSystemId: input.externalSystemId ?? null,
    currency: input.currency ?? null,
    tagIds: input.tagIds ?? [],
    journalCategoryId: input.journalCategoryId ?? null,
    attachments: (input.attachments ?? []).map((a) => ({ fileName: a.fileName, contentType: a.contentType, data: a.data.toString('base64') })),
  };
}

export function inputOf(body: DraftBody): JournalEntryInput {
  return {
    ...body,
    originalAmount: body.originalAmount === null ? null : BigInt(body.originalAmount),
    lines: body.lines.map((l) => ({ ...l, amount: BigInt(l.amount) })),
    attachments: body.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, data: Buffer.from(a.data, 'base64') })),
  };
}

/** The columns the list filters on: `amount` is originalAmount when given, else the debit total. */
function summaryOf(input: JournalEntryInput): DraftSummary {
  const debits = input.lines.reduce((sum, l) => (l.amount > 0n ? sum + l.amount : sum), 0n);
  return {
    entryType: input.entryType,
    date: input.date,
    amount: input.originalAmount ?? debits,
    customerId: input.customerId ?? null,
    vendorId: input.vendorId ?? null,
    externalSystemId: input.externalSystemId ?? null,
    description: input.description ?? null,
    reference: input.reference ?? null,
    accountIds: [...new Set(input.lines.map((l) => l.accountId))],
  };
}

/** Checks and stores drafts, all or none, in request order. Property paths start with `at(i)`. */
export async function createDraftEntries(deps: LedgerBeeDeps, tx: Queryable, orgId: string, inputs: JournalEntryInput[], at: (index: number) => string): Promise<DraftEntry[]> {
  await checkDraftEntries(deps, tx, orgId, inputs, at);
  return createDrafts(tx, orgId, inputs.map((input) => ({ body: bodyOf(input), summary: summaryOf(input) })), deps.clock.now());
}

/** Changes the fields a patch gives, checks the whole draft again, and stores it; a booked draft is 409. */
export async function updateDraftEntry(deps: LedgerBeeDeps, tx: Queryable, orgId: string, id: string, patch: DraftPatch): Promise<DraftEntry> {
  const current = await getDraft<DraftBody>(tx, orgId, id, 'FOR UPDATE');
  refuseBooked(current);
  const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const merged: JournalEntryInput = { ...inputOf(current.body), ...given };
  await checkDraftEntries(deps, tx, orgId, [merged], () => '');
  return replaceDraft(tx, orgId, id, bodyOf(merged), summaryOf(merged), deps.clock.now());
}

/** Books a draft into one posted journal entry, in this transaction; a second booking is 409 naming the entry. */
export async function bookDraftEntry(deps: LedgerBeeDeps, tx: Queryable, orgId: string, id: string): Promise<{ draft: DraftEntry; entry: JournalEntry }> {
  return bookDraft<DraftBody, JournalEntry>(tx, orgId, id, async (body) => (await postJournalEntries(deps, tx, orgId, [inputOf(body)], () => ''))[0], deps.clock.now());
}

export const getDraftEntry = (db: Queryable, orgId: string, id: string) => getDraft<DraftBody>(db, orgId, id);
export const listDraftEntries = (db: Queryable, orgId: string, filter: DraftFilter, page: { page: number; limit: number }) => listDrafts<DraftBody>(db, orgId, filter, page);
export const deleteDraftEntry = (tx: Queryable, orgId: string, id: string) => deleteDraft(tx, orgId, id);
