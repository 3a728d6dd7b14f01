import { prepared, textArrayOrNull, tokenArray, tokenArrayOrNull, unlessAllNull, type Queryable } from '../platform/db.ts';
import type { JournalType } from './chart.ts';
import type { Companion, CompanionKind } from '../ledger/engine.ts';

/** One line of a posted journal entry, as the client sent it plus what the server derived. */
export interface JournalLine {
  accountId: string;
  amount: bigint;
  description: string | null;
  vatCodeId: string | null;
  /** The VAT this line carried (0 without a VAT code). */
  vatAmount: bigint;
  /** What posted on the line's own account: the amount less VAT for a Gross code, else the amount. */
  postedAmount: bigint;
  customerId: string | null;
  vendorId: string | null;
  dimensionValueIds: string[];
  /** Added by the server (the receivable or payable line of a customer or supplier entry). */
  system: boolean;
}

export interface JournalEntry {
  id: string;
  entryType: JournalType;
  date: string;
  originalAmount: bigint | null;
  currency: string;
  customerId: string | null;
  vendorId: string | null;
  description: string | null;
  reference: string | null;
  externalSystemId: string | null;
  journalCategoryId: string | null;
  tagIds: string[];
  lines: JournalLine[];
  reversesId: string | null;
  reversedById: string | null;
  createdAt: Date;
}

export interface AttachmentRow {
  id: string;
  journalEntryId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  data: Buffer;
  createdAt: Date;
}

/**
 * A line as stored in `lines` (jsonb): the amounts as decimal strings, and only what it holds:
 * a null, an empty list, `false` and a VAT amount of 0 are left out, and `postedAmount` when it
 * equals `amount` (no VAT code, or a Net one). The filters' keys (`accountId`, `customerId`,
 * `vendorId`) are there whenever they have a value, so `lines @> …` finds them as before; rows
 * written with every key read the same. Written by hand: a batch of 100 entries sent 120 KB of
 * lines with every key, 40 KB this way (the JSON text has no characters that need escaping
 * but those of a description, which JSON.stringify quotes).
 */
function lineText(l: JournalLine): string {
  let out = `{"accountId":"${l.accountId}","amount":"${l.amount}"`;
  if (l.description !== null) out += `,"description":${JSON.stringify(l.description)}`;
  if (l.vatCodeId !== null) out += `,"vatCodeId":"${l.vatCodeId}"`;
  if (l.vatAmount !== 0n) out += `,"vatAmount":"${l.vatAmount}"`;
  if (l.postedAmount !== l.amount) out += `,"postedAmount":"${l.postedAmount}"`;
  if (l.customerId !== null) out += `,"customerId":"${l.customerId}"`;
  if (l.vendorId !== null) out += `,"vendorId":"${l.vendorId}"`;
  if (l.dimensionValueIds.length > 0) out += `,"dimensionValueIds":["${l.dimensionValueIds.join('","')}"]`;
  if (l.system) out += ',"system":true';
  return out + '}';
}
const lineOf = (j: any): JournalLine => {
  const amount = BigInt(j.amount);
  return {
    accountId: j.accountId,
    amount,
    description: j.description ?? null,
    vatCodeId: j.vatCodeId ?? null,
    vatAmount: j.vatAmount === undefined ? 0n : BigInt(j.vatAmount),
    postedAmount: j.postedAmount === undefined ? amount : BigInt(j.postedAmount),
    customerId: j.customerId ?? null,
    vendorId: j.vendorId ?? null,
    dimensionValueIds: j.dimensionValueIds ?? [],
    system: j.system === true,
  };
};

const COLUMNS = `id, entry_type, to_char(date, 'YYYY-MM-DD') AS date, original_amount, currency, customer_id, vendor_id, description, reference,
  external_system_id, journal_category_id, tag_ids, lines, reverses_id, reversed_by_id, created_at`;

const toEntry = (r: any): JournalEntry => ({
  id: r.id,
  entryType: r.entry_type,
  date: r.date,
  originalAmount: r.original_amount === null ? null : BigInt(r.original_amount),
  currency: r.currency,
  customerId: r.customer_id,
  vendorId: r.vendor_id,
  description: r.description,
  reference: r.reference,
  externalSystemId: r.external_system_id,
  journalCategoryId: r.journal_category_id,
  tagIds: r.tag_ids,
  lines: (r.lines as any[]).map(lineOf),
  reversesId: r.reverses_id,
  reversedById: r.reversed_by_id,
  createdAt: r.created_at,
});

/** Dimension values by id, with their category and whether it allows one value per entry. */
export async function dimensionValuesById(tx: Queryable, orgId: string, ids: string[]): Promise<Map<string, { categoryId: string; isUnique: boolean }>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query(
    `SELECT v.id, v.category_id, c.is_unique FROM ledgerbee_dimension_values v JOIN ledgerbee_dimension_categories c ON c.org_id = v.org_id AND c.id = v.category_id
      WHERE v.org_id = $1 AND v.id = ANY($2::uuid[])`,
    [orgId, ids],
  );
  return new Map(rows.map((r) => [r.id, { categoryId: r.category_id, isUnique: r.is_unique }]));
}

/**
 * The journal rows of entries as columns, one value per entry each, in the order of
 * `journalInsert`'s parameters: each entry's lines as one JSON text (`lineText`), the rest raw.
 */
function journalColumns(entries: JournalEntry[]): unknown[][] {
  const column = <T>(of: (e: JournalEntry) => T) => entries.map(of);
  return [
    column((e) => e.id),
    column((e) => e.entryType),
    column((e) => e.date),
    column((e) => e.originalAmount),
    column((e) => e.currency),
    column((e) => e.customerId),
    column((e) => e.vendorId),
    column((e) => e.description),
    column((e) => e.reference),
    column((e) => e.externalSystemId),
    column((e) => e.journalCategoryId),
    // Each entry's tags as an array literal of uuids (cast per row: arrays of arrays must be rectangular).
    column((e) => (e.tagIds.length > 0 ? `{${e.tagIds.join(',')}}` : null)),
    column((e) => {
      let lines = '[';
      for (let j = 0; j < e.lines.length; j++) lines += (j === 0 ? '' : ',') + lineText(e.lines[j]);
      return lines + ']';
    }),
    column((e) => e.reversesId),
    column((e) => e.createdAt.toISOString()),
  ];
}

/**
 * `journalColumns` as parameters: typed arrays, as plain tokens where the values need no
 * quoting (ids, dates, numbers, entry types, timestamps) and NULL for a column with no value
 * at all; the lines of every entry as one JSON array, parsed once and indexed per row.
 */
function journalParams(columns: unknown[][]): unknown[] {
  const [ids, types, dates, amounts, currencies, customers, vendors, descriptions, references, externals, categories, tags, lines, reverses, created] = columns as any[][];
  return [
    tokenArray(ids),
    tokenArray(types),
    tokenArray(dates),
    tokenArrayOrNull(amounts),
    tokenArray(currencies),
    tokenArrayOrNull(customers),
    tokenArrayOrNull(vendors),
    textArrayOrNull(descriptions),
    textArrayOrNull(references),
    textArrayOrNull(externals),
    tokenArrayOrNull(categories),
    unlessAllNull(tags),
    `[${lines.join(',')}]`,
    tokenArrayOrNull(reverses),
    tokenArray(created),
  ];
}

/** The insert of `journalParams` rows, its parameters from `$first` (`$1` is the org). */
const journalInsert = (first: number) => {
  const n = (i: number) => `$${first + i}`;
  return `INSERT INTO ledgerbee_journal_entries (org_id, id, entry_type, date, original_amount, currency, customer_id, vendor_id, description, reference,
        external_system_id, journal_category_id, tag_ids, lines, reverses_id, created_at)
     SELECT $1, u.id, u.entry_type, u.date, u.original_amount, u.currency, u.customer_id, u.vendor_id, u.description, u.reference,
        u.external_system_id, u.journal_category_id, coalesce(u.tag_ids::uuid[], '{}'), ${n(12)}::jsonb -> (u.n - 1)::int, u.reverses_id, u.created_at
       FROM unnest(${n(0)}::uuid[], ${n(1)}::text[], ${n(2)}::date[], ${n(3)}::int8[], ${n(4)}::text[], ${n(5)}::uuid[], ${n(6)}::uuid[], ${n(7)}::text[], ${n(8)}::text[], ${n(9)}::text[], ${n(10)}::uuid[], ${n(11)}::text[], ${n(13)}::uuid[], ${n(14)}::timestamptz[])
         WITH ORDINALITY AS u(id, entry_type, date, original_amount, currency, customer_id, vendor_id, description, reference, external_system_id, journal_category_id, tag_ids, reverses_id, created_at, n)`;
};

/**
 * Journal rows written by the ledger's one-statement post with their entries (a companion:
 * see the ledger's PostingUnit): the company's row is read with a share lock, as
 * `insertJournalEntries` reads it, and no entry may be dated on or before its lock date,
 * or nothing is written and the entries take the full path, where the lock date is checked
 * entry by entry and refused in LedgerBee's terms.
 */
const JOURNAL_COMPANION: CompanionKind = {
  name: 'ledgerbee.journal',
  reads: () => `ledgerbee_company AS (SELECT lock_date FROM ledgerbee_companies WHERE org_id = $1 FOR SHARE)`,
  holds: (first) => `NOT EXISTS (SELECT 1 FROM ledgerbee_company c WHERE c.lock_date >= (SELECT min(d) FROM unnest($${first + 2}::date[]) AS d))`,
  writes: (first) => `ledgerbee_journal AS (${journalInsert(first)}\n      WHERE (SELECT ok FROM gate))`,
  params: journalParams,
};

/** The journal rows of entries that name no dimension values, as a companion of their ledger entries. */
export function journalCompanion(entries: JournalEntry[]): Companion {
  return { kind: JOURNAL_COMPANION, columns: journalColumns(entries) };
}

/** Whether an entry's rows are all journal rows (no dimension values, which have a table of their own). */
export const fitsCompanion = (entry: JournalEntry) => entry.lines.every((l) => l.dimensionValueIds.length === 0);

/**
 * Writes posted entries, their lines' dimension values and their attachments, set-based.
 * Answers the company's lock date as it stands for this transaction until it commits: the
 * caller refuses an entry dated on or before it (the transaction then writes nothing).
 */
export async function insertJournalEntries(tx: Queryable, orgId: string, entries: JournalEntry[], attachments: (AttachmentRow & { journalEntryId: string })[]): Promise<string | null> {
  if (entries.length === 0) return null;
  // The company's lock date is read with a share lock on its row, held to the commit: a lock
  // date set meanwhile waits for these entries, or these wait for it and see it.
  const [{ lock_date: lockDate }] = await tx.query<{ lock_date: string | null }>(
    prepared(`WITH company AS (SELECT to_char(lock_date, 'YYYY-MM-DD') AS lock_date FROM ledgerbee_companies WHERE org_id = $1 FOR SHARE),
     ins AS (${journalInsert(2)})
     SELECT (SELECT lock_date FROM company) AS lock_date`),
    [orgId, ...journalParams(journalColumns(entries))],
  );
  // Loops, not flatMap: nested flatMaps over a batch's lines cost a fifth of this function when no line had a dimension value.
  const dims: { e: JournalEntry; l: JournalLine; lineNo: number; valueId: string }[] = [];
  for (const e of entries) {
    for (let lineNo = 0; lineNo < e.lines.length; lineNo++) {
      const l = e.lines[lineNo];
      for (const valueId of l.dimensionValueIds) dims.push({ e, l, lineNo, valueId });
    }
  }
  if (dims.length > 0) {
    await tx.query(
      `INSERT INTO ledgerbee_line_dimensions (org_id, entry_id, line_no, dimension_value_id, category_id, account_id, amount, date)
       SELECT $1, u.entry_id, u.line_no, u.value_id, v.category_id, u.account_id, u.amount, u.date
         FROM unnest($2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::bigint[], $7::date[]) AS u(entry_id, line_no, value_id, account_id, amount, date)
         JOIN ledgerbee_dimension_values v ON v.org_id = $1 AND v.id = u.value_id`,
      [orgId, dims.map((d) => d.e.id), dims.map((d) => d.lineNo), dims.map((d) => d.valueId), dims.map((d) => d.l.accountId), dims.map((d) => d.l.postedAmount.toString()), dims.map((d) => d.e.date)],
    );
  }
  if (attachments.length > 0) {
    await tx.query(
      `INSERT INTO ledgerbee_attachments (org_id, id, journal_entry_id, file_name, content_type, size_bytes, data, created_at)
       SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::bytea[], $8::timestamptz[])`,
      [orgId, attachments.map((a) => a.id), attachments.map((a) => a.journalEntryId), attachments.map((a) => a.fileName), attachments.map((a) => a.contentType), attachments.map((a) => a.sizeBytes), attachments.map((a) => a.data), attachments.map((a) => a.createdAt)],
    );
  }
  return lockDate;
}

/** Entries by id (absent: not in this company), with `FOR UPDATE` when `lock`. */
export async function journalEntriesById(tx: Queryable, orgId: string, ids: string[], lock = false): Promise<Map<string, JournalEntry>> {
  const rows = await tx.query(`SELECT ${COLUMNS} FROM ledgerbee_journal_entries WHERE org_id = $1 AND id = ANY($2::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [orgId, ids]);
  return new Map(rows.map((r) => [r.id, toEntry(r)]));
}

/** Links a reversal to the entries it reverses. */
export async function markReversed(tx: Queryable, orgId: string, pairs: { originalId: string; reversalId: string }[]): Promise<void> {
  await tx.query(
    `UPDATE ledgerbee_journal_entries e SET reversed_by_id = u.reversal FROM unnest($2::uuid[], $3::uuid[]) AS u(original, reversal) WHERE e.org_id = $1 AND e.id = u.original`,
    [orgId, pairs.map((p) => p.originalId), pairs.map((p) => p.reversalId)],
  );
}

/** Corrects the reference and/or the external system id of a posted entry. */
export async function updateJournalReference(tx: Queryable, orgId: string, id: string, patch: { reference?: string | null; externalSystemId?: string | null }): Promise<JournalEntry | null> {
  const rows = await tx.query(
    `UPDATE ledgerbee_journal_entries SET
        reference = CASE WHEN $3 THEN $4 ELSE reference END,
        external_system_id = CASE WHEN $5 THEN $6 ELSE external_system_id END
      WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [orgId, id, patch.reference !== undefined, patch.reference ?? null, patch.externalSystemId !== undefined, patch.externalSystemId ?? null],
  );
  return rows[0] ? toEntry(rows[0]) : null;
}

export interface JournalFilter {
  fromDate?: string;
  toDate?: string;
  accountId?: string;
  customerId?: string;
  vendorId?: string;
  entryType?: string;
  journalCategoryId?: string;
  externalSystemId?: string;
  reference?: string;
}

/** A page of a company's entries, newest date first, and how many match. */
export async function listJournalEntries(db: Queryable, orgId: string, filter: JournalFilter, page: { offset: number; limit: number }): Promise<{ items: JournalEntry[]; total: number }> {
  const where = `org_id = $1 AND ($2::date IS NULL OR date >= $2) AND ($3::date IS NULL OR date <= $3)
    AND ($4::text IS NULL OR lines @> jsonb_build_array(jsonb_build_object('accountId', $4::text)))
    AND ($5::uuid IS NULL OR customer_id = $5 OR lines @> jsonb_build_array(jsonb_build_object('customerId', $5::text)))
    AND ($6::uuid IS NULL OR vendor_id = $6 OR lines @> jsonb_build_array(jsonb_build_object('vendorId', $6::text)))
    AND ($7::text IS NULL OR entry_type = $7) AND ($8::uuid IS NULL OR journal_category_id = $8)
    AND ($9::text IS NULL OR external_system_id = $9) AND ($10::text IS NULL OR reference = $10)`;
  const params = [orgId, filter.fromDate ?? null, filter.toDate ?? null, filter.accountId ?? null, filter.customerId ?? null, filter.vendorId ?? null, filter.entryType ?? null, filter.journalCategoryId ?? null, filter.externalSystemId ?? null, filter.reference ?? null];
  const [{ total }] = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ledgerbee_journal_entries WHERE ${where}`, params);
  const rows = await db.query(`SELECT ${COLUMNS} FROM ledgerbee_journal_entries WHERE ${where} ORDER BY date DESC, id DESC OFFSET $11 LIMIT $12`, [...params, page.offset, page.limit]);
  return { items: rows.map(toEntry), total };
}

/** An entry's attachments, without their content. */
export async function listAttachments(db: Queryable, orgId: string, entryId: string): Promise<Omit<AttachmentRow, 'data'>[]> {
  const rows = await db.query('SELECT id, journal_entry_id, file_name, content_type, size_bytes, created_at FROM ledgerbee_attachments WHERE org_id = $1 AND journal_entry_id = $2 ORDER BY id', [orgId, entryId]);
  return rows.map((r) => ({ id: r.id, journalEntryId: r.journal_entry_id, fileName: r.file_name, contentType: r.content_type, sizeBytes: r.size_bytes, createdAt: r.created_at }));
}
