import type { Queryable } from '../platform/db.ts';
import { DomainError, invalid } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { EntryInput, PostResult } from '../ledger/types.ts';
import type { SharedCommitOptions } from '../ledger/engine.ts';
import { POSTABLE, type JournalType } from './chart.ts';
import { findCompany, listChart, listJournalCategories, listVatCodes, type ChartAccount, type Company, type JournalCategory, type LedgerBeeDeps, type VatCode } from './company-store.ts';
import { dimensionValuesById, fitsCompanion, insertJournalEntries, journalCompanion, type AttachmentRow, type JournalEntry, type JournalLine } from './journal-store.ts';
import { splitVat, type VatSplit } from './vat.ts';
import { controlAccounts } from './party-parts.ts';

export type { JournalEntry, JournalLine } from './journal-store.ts';

export interface JournalLineInput {
  accountId: string;
  /** Signed minor units, debit positive. */
  amount: bigint;
  description?: string | null;
  vatCodeId?: string | null;
  customerId?: string | null;
  vendorId?: string | null;
  dimensionValueIds?: string[];
}

export interface AttachmentInput {
  fileName: string;
  contentType: string;
  data: Buffer;
}

export interface JournalEntryInput {
  entryType: JournalType;
  date: string;
  /** Customer/supplier types: the gross amount (invoice/payment positive, credit note/refund negative). */
  originalAmount?: bigint | null;
  lines: JournalLineInput[];
  customerId?: string | null;
  vendorId?: string | null;
  description?: string | null;
  reference?: string | null;
  externalSystemId?: string | null;
  currency?: string | null;
  tagIds?: string[];
  journalCategoryId?: string | null;
  attachments?: AttachmentInput[];
}

/** Customers' and vendors' control accounts (their group's), by id; absent: no such party in the company. */
export interface Parties {
  customer: Map<string, string | null>;
  vendor: Map<string, string | null>;
}

/** The company's chart, VAT codes and categories: seeded once and never changed, so kept per server. */
interface Master {
  accounts: Map<string, ChartAccount>;
  receivable: ChartAccount;
  payable: ChartAccount;
  vat: Map<string, VatCode>;
  categories: Map<string, JournalCategory>;
}
const masters = new WeakMap<object, Map<string, Master>>();

export async function masterData(deps: LedgerBeeDeps, tx: Queryable, orgId: string): Promise<Master> {
  let perOrg = masters.get(deps.ledger);
  if (!perOrg) masters.set(deps.ledger, (perOrg = new Map()));
  const hit = perOrg.get(orgId);
  if (hit) return hit;
  const chart = await listChart(tx, orgId);
  const master: Master = {
    accounts: new Map(chart.map((a) => [a.id, a])),
    receivable: chart.find((a) => a.control === 'ACCOUNTS_RECEIVABLE')!,
    payable: chart.find((a) => a.control === 'ACCOUNTS_PAYABLE')!,
    vat: new Map((await listVatCodes(tx, orgId)).map((v) => [v.id, v])),
    categories: new Map((await listJournalCategories(tx, orgId)).map((c) => [c.id, c])),
  };
  if (chart.length > 0) {
    if (perOrg.size > 10_000) perOrg.clear();
    perOrg.set(orgId, master);
  }
  return master;
}

export const CUSTOMER_TYPES: ReadonlySet<JournalType> = new Set(['CUSTOMER_INVOICE', 'CUSTOMER_PAYMENT']);
export const SUPPLIER_TYPES: ReadonlySet<JournalType> = new Set(['SUPPLIER_INVOICE', 'SUPPLIER_PAYMENT']);
/** The sign of the control line against originalAmount: an invoice debits the receivable, credits the payable. */
const CONTROL_SIGN: Partial<Record<JournalType, bigint>> = { CUSTOMER_INVOICE: 1n, CUSTOMER_PAYMENT: -1n, SUPPLIER_INVOICE: -1n, SUPPLIER_PAYMENT: 1n };

const notFound = (code: string, what: string, property: string) => new DomainError('not_found', `${what} not found`, property, { code, property });

/** Refuses postings dated on or before the company's lock date. */
export function checkLockDate(company: Pick<Company, 'lockDate'>, date: string, property: string): void {
  if (company.lockDate && date <= company.lockDate) {
    throw new DomainError('validation', `the books are locked up to ${company.lockDate}: ${property} must be after it`, property, { code: 'JOURNAL_ENTRY_DATE_LOCKED', lockDate: company.lockDate });
  }
}

/** Refuses a customer or vendor the company does not have. */
function checkParty(parties: Parties, kind: 'customer' | 'vendor', id: string, property: string): void {
  if (!parties[kind].has(id)) throw notFound(kind === 'customer' ? 'CUSTOMER_NOT_FOUND' : 'VENDOR_NOT_FOUND', kind, property);
}

function addPosting(postings: Map<string, bigint>, accountId: string, amount: bigint): void {
  postings.set(accountId, (postings.get(accountId) ?? 0n) + amount);
}

interface Built {
  entry: JournalEntry;
  ledger: EntryInput;
  attachments: AttachmentRow[];
}

/**
 * Checks one entry against the company's books and builds its ledger entry. `at` prefixes
 * property paths (`entries.3.`). A `draft` is checked for what it names (accounts, VAT codes,
 * parties, categories, dimension values) but not for balance or the lock date: those are
 * checked when it is booked.
 */
function build(company: Company, master: Master, dims: Map<string, { categoryId: string; isUnique: boolean }>, parties: Parties, input: JournalEntryInput, at: string, now: Date, draft = false): Built {
  const currency = input.currency ?? company.currency;
  if (currency !== company.currency) throw invalid(`${at}currency`, `currency must be the company's currency ${company.currency}`);
  if (!draft) checkLockDate(company, input.date, `${at}date`);
  if (input.journalCategoryId) {
    const category = master.categories.get(input.journalCategoryId);
    if (!category) throw notFound('JOURNAL_CATEGORY_NOT_FOUND', 'journal category', `${at}journalCategoryId`);
    if (!category.allowed.includes(input.entryType)) throw invalid(`${at}journalCategoryId`, `journal category "${category.name}" does not allow ${input.entryType} entries`);
  }
  const isCustomer = CUSTOMER_TYPES.has(input.entryType);
  const isSupplier = SUPPLIER_TYPES.has(input.entryType);
  if (isCustomer && !input.customerId) throw invalid(`${at}customerId`, `customerId is required for ${input.entryType} entries`);
  if (isSupplier && !input.vendorId) throw invalid(`${at}vendorId`, `vendorId is required for ${input.entryType} entries`);
  if (!isCustomer && input.customerId && input.entryType !== 'JOURNAL_ENTRY') throw invalid(`${at}customerId`, `customerId is for customer entries`);
  if (!isSupplier && input.vendorId && input.entryType !== 'JOURNAL_ENTRY') throw invalid(`${at}vendorId`, `vendorId is for supplier entries`);
  if (input.customerId) checkParty(parties, 'customer', input.customerId, `${at}customerId`);
  if (input.vendorId) checkParty(parties, 'vendor', input.vendorId, `${at}vendorId`);

  // No closures made per entry or line here: under tsx each named one is also given its name
  // (a defineProperty), which cost more than the checks (a batch has hundreds of lines).
  const postings = new Map<string, bigint>();
  let uniqueSeen: Map<string, string> | null = null;
  const lines: JournalLine[] = [];
  for (let i = 0; i < input.lines.length; i++) {
    const line = input.lines[i];
    if (line.amount === 0n) throw invalid(`${at}lines.${i}.amount`, 'amount must not be zero');
    const account = master.accounts.get(line.accountId);
    if (!account) throw notFound('ACCOUNT_NOT_FOUND', 'account', `${at}lines.${i}.accountId`);
    if (!POSTABLE.has(account.ledgerType)) throw invalid(`${at}lines.${i}.accountId`, `account ${account.number} is a ${account.ledgerType} row and takes no postings`);
    if (account.control && (isCustomer || isSupplier)) throw invalid(`${at}lines.${i}.accountId`, `the ${account.control === 'ACCOUNTS_RECEIVABLE' ? 'receivable' : 'payable'} line of a ${input.entryType} entry is added by the server; leave it out`);
    if (account.control === 'ACCOUNTS_RECEIVABLE' && !line.customerId) throw invalid(`${at}lines.${i}.customerId`, `account ${account.number} is the receivable control account: its lines need customerId`);
    if (account.control === 'ACCOUNTS_PAYABLE' && !line.vendorId) throw invalid(`${at}lines.${i}.vendorId`, `account ${account.number} is the payable control account: its lines need vendorId`);
    if (line.customerId) checkParty(parties, 'customer', line.customerId, `${at}lines.${i}.customerId`);
    if (line.vendorId) checkParty(parties, 'vendor', line.vendorId, `${at}lines.${i}.vendorId`);
    let split: VatSplit | null = null;
    if (line.vatCodeId) {
      const code = master.vat.get(line.vatCodeId);
      if (!code) throw notFound('VAT_CODE_NOT_FOUND', 'VAT code', `${at}lines.${i}.vatCodeId`);
      split = splitVat(line.amount, code);
    }
    const dimensionValueIds = line.dimensionValueIds && line.dimensionValueIds.length > 0 ? [...new Set(line.dimensionValueIds)] : [];
    for (let j = 0; j < dimensionValueIds.length; j++) {
      const id = dimensionValueIds[j];
      const value = dims.get(id);
      if (!value) throw notFound('DIMENSION_VALUE_NOT_FOUND', 'dimension value', `${at}lines.${i}.dimensionValueIds.${j}`);
      if (!value.isUnique) continue;
      uniqueSeen ??= new Map();
      const other = uniqueSeen.get(value.categoryId);
      if (other && other !== id) throw invalid(`${at}lines.${i}.dimensionValueIds.${j}`, 'its dimension is unique: an entry takes at most one of its values');
      uniqueSeen.set(value.categoryId, id);
    }
    const net = split ? split.net : line.amount;
    addPosting(postings, account.id, net);
    if (split) for (const p of split.postings) addPosting(postings, p.accountId, p.amount);
    lines.push({
      accountId: account.id,
      amount: line.amount,
      description: line.description ?? null,
      vatCodeId: line.vatCodeId ?? null,
      vatAmount: split ? split.vat : 0n,
      postedAmount: net,
      customerId: line.customerId ?? null,
      vendorId: line.vendorId ?? null,
      dimensionValueIds,
      system: false,
    });
  }
  let sum = 0n;
  for (const amount of postings.values()) sum += amount;
  let originalAmount = input.originalAmount ?? null;
  if (isCustomer || isSupplier) {
    // The party's group names the control account; the chart's is the fallback.
    const groupAccount = isCustomer ? parties.customer.get(input.customerId!) : parties.vendor.get(input.vendorId!);
    const control = (groupAccount && master.accounts.get(groupAccount)) || (isCustomer ? master.receivable : master.payable);
    const sign = CONTROL_SIGN[input.entryType]!;
    if (originalAmount !== null && -sum !== sign * originalAmount && !draft) {
      throw invalid(`${at}originalAmount`, `originalAmount ${originalAmount} does not match the lines: with VAT they come to ${sign * -sum}`);
    }
    originalAmount ??= sign * -sum;
    if (sum !== 0n) addPosting(postings, control.id, -sum);
    lines.push({
      accountId: control.id,
      amount: -sum,
      description: null,
      vatCodeId: null,
      vatAmount: 0n,
      postedAmount: -sum,
      customerId: isCustomer ? input.customerId! : null,
      vendorId: isSupplier ? input.vendorId! : null,
      dimensionValueIds: [],
      system: true,
    });
  } else if (sum !== 0n && !draft) {
    throw new DomainError('unbalanced', `the entry does not balance: with VAT its lines come to ${sum} (debits positive); they must come to 0`, `${at}lines.${input.lines.length - 1}.amount`);
  }
  const ledgerPostings: { accountId: string; amount: bigint }[] = [];
  for (const [accountId, amount] of postings) if (amount !== 0n) ledgerPostings.push({ accountId, amount });
  if (ledgerPostings.length < 2 && !draft) throw invalid(`${at}lines`, 'the entry posts nothing: its lines cancel out on every account');
  // The ledger gives the entry its id when it posts (writeJournal); none is made here.
  const id = '';
  const entry: JournalEntry = {
    id,
    entryType: input.entryType,
    date: input.date,
    originalAmount,
    currency,
    customerId: input.customerId ?? null,
    vendorId: input.vendorId ?? null,
    description: input.description ?? null,
    reference: input.reference ?? null,
    externalSystemId: input.externalSystemId ?? null,
    journalCategoryId: input.journalCategoryId ?? null,
    tagIds: input.tagIds ?? [],
    lines,
    reversesId: null,
    reversedById: null,
    createdAt: now,
  };
  const attachments = (input.attachments ?? []).map((a) => ({ id: newId(), journalEntryId: id, fileName: a.fileName, contentType: a.contentType, sizeBytes: a.data.length, data: a.data, createdAt: now }));
  return { entry, attachments, ledger: { ledgerId: company.ledgerId, postings: ledgerPostings, effectiveAt: new Date(`${input.date}T00:00:00Z`), description: input.description ?? input.entryType } };
}

/**
 * Posts validated journal entries, all or none, in the caller's transaction: each one
 * balanced ledger entry (VAT lines and, for customer and supplier entries, the receivable or
 * payable line added), written with its lines, dimension values and attachments. Property
 * paths in errors start with `at(i)` (`entries.3.` in a batch, '' for one entry).
 */
export async function postJournalEntries(deps: LedgerBeeDeps, tx: Queryable, orgId: string, inputs: JournalEntryInput[], at: (index: number) => string = (i) => (inputs.length === 1 ? '' : `entries.${i}.`)): Promise<JournalEntry[]> {
  const built = await buildAll(deps, tx, orgId, inputs, at, false);
  const results = await deps.ledger.postBatch(orgId, built.map((b) => b.ledger), tx).catch((error) => {
    throw renamed(error, at);
  });
  return writeJournal(tx, orgId, built, results, at);
}

/** What commits with submitted journal entries: the write's audit row, and a step of the caller's after them (its stored answer). */
export interface JournalCommit {
  audit?: SharedCommitOptions['audit'];
  beforeCommit?: (tx: Queryable, entries: JournalEntry[]) => Promise<void>;
}

/**
 * As `postJournalEntries`, but committed by the ledger's commit queue together with other
 * requests' entries (one transaction, one lock of the accounts, one commit for the group):
 * the entries are checked first against the company's books as they stand (the reads need
 * no transaction: a company's chart, VAT codes and categories never change), then posted
 * with their journal rows. Those are handed to the ledger as data (a companion) when nothing
 * else commits with them, so that the queue's one statement writes them too; otherwise, and
 * whenever the queue takes its full path, its before-commit step writes them. All or none.
 */
export async function submitJournalEntries(deps: LedgerBeeDeps, orgId: string, inputs: JournalEntryInput[], at: (index: number) => string, commit: JournalCommit = {}): Promise<JournalEntry[]> {
  const built = await buildAll(deps, deps.db, orgId, inputs, at, false);
  const entryIds = built.map(() => newId());
  built.forEach((b, i) => (b.entry.id = entryIds[i]));
  const alone = !commit.beforeCommit && built.every((b) => b.attachments.length === 0 && fitsCompanion(b.entry));
  let written: JournalEntry[] | null = null;
  // What the journal's own step refuses is in LedgerBee's terms already; the ledger's refusals are renamed.
  let ownRefusal: unknown = null;
  await deps.ledger
    .submitBatch(
      orgId,
      built.map((b) => b.ledger),
      {
        audit: commit.audit,
        entryIds,
        companion: alone ? journalCompanion(built.map((b) => b.entry)) : undefined,
        beforeCommit: async (tx, results) => {
          try {
            written = await writeJournal(tx, orgId, built, results, at);
          } catch (error) {
            ownRefusal = error;
            throw error;
          }
          await commit.beforeCommit?.(tx, written);
        },
      },
    )
    .catch((error) => {
      throw error === ownRefusal ? error : renamed(error, at);
    });
  // Written by the step, or with the entries by the queue's statement (their ids given above).
  return written ?? built.map((b) => b.entry);
}

/** The journal rows of posted entries: each takes its ledger entry's id. */
async function writeJournal(tx: Queryable, orgId: string, built: Built[], results: PostResult[], at: (index: number) => string): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  const attachments: AttachmentRow[] = [];
  for (let i = 0; i < built.length; i++) {
    const b = built[i];
    b.entry.id = results[i].entry.id;
    entries.push(b.entry);
    for (const a of b.attachments) {
      a.journalEntryId = b.entry.id;
      attachments.push(a);
    }
  }
  // Checked before posting too, against the lock date read then; this is the one that holds.
  const lockDate = await insertJournalEntries(tx, orgId, entries, attachments);
  entries.forEach((entry, i) => checkLockDate({ lockDate }, entry.date, `${at(i)}date`));
  return entries;
}

/**
 * Checks draft entries against the company's books as `postJournalEntries` would, but for
 * balance and the lock date (checked when a draft is booked). Nothing is written.
 */
export async function checkDraftEntries(deps: LedgerBeeDeps, tx: Queryable, orgId: string, inputs: JournalEntryInput[], at: (index: number) => string): Promise<void> {
  await buildAll(deps, tx, orgId, inputs, at, true);
}

/** The company, its master data, the dimension values and parties the entries name: each read once for all the entries. */
async function buildAll(deps: LedgerBeeDeps, tx: Queryable, orgId: string, inputs: JournalEntryInput[], at: (index: number) => string, draft: boolean): Promise<Built[]> {
  const company = await findCompany(tx, orgId);
  if (!company) throw new DomainError('not_found', 'company not found');
  const master = await masterData(deps, tx, orgId);
  // The ids the entries and their lines name, gathered in one pass (most batches name none).
  const dimensionIds = new Set<string>();
  const customerIds = new Set<string>();
  const vendorIds = new Set<string>();
  for (const e of inputs) {
    if (e.customerId) customerIds.add(e.customerId);
    if (e.vendorId) vendorIds.add(e.vendorId);
    for (const l of e.lines) {
      if (l.customerId) customerIds.add(l.customerId);
      if (l.vendorId) vendorIds.add(l.vendorId);
      if (l.dimensionValueIds) for (const id of l.dimensionValueIds) dimensionIds.add(id);
    }
  }
  const dims = await dimensionValuesById(tx, orgId, [...dimensionIds]);
  const now = deps.clock.now();
  // The customers and vendors named, with their groups' control accounts.
  const parties: Parties = { customer: await controlAccounts(tx, 'customer', orgId, [...customerIds]), vendor: await controlAccounts(tx, 'vendor', orgId, [...vendorIds]) };
  const built: Built[] = [];
  for (let i = 0; i < inputs.length; i++) built.push(build(company, master, dims, parties, inputs[i], at(i), now, draft));
  return built;
}

/** The ledger's own refusals name its fields (`entries[2].postings`): said in LedgerBee's terms. */
function renamed(error: unknown, at: (i: number) => string): unknown {
  if (!(error instanceof DomainError) || !error.field) return error;
  const index = /^entries\[(\d+)\]/.exec(error.field)?.[1];
  const field = index === undefined ? 'lines' : `${at(Number(index))}lines`;
  return new DomainError(error.code, error.message, field, error.details);
}
