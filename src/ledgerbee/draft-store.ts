import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { refusal } from './refusals.ts';

/**
 * Draft journal entries: an entry kept as the client wrote it (`body`, checked against the
 * company's accounts, customers, vendors and categories when written) and booked later, in
 * one transaction, into one posted entry by the journal's own posting function. A draft is
 * booked at most once: its row is locked, so of two bookings at once the second sees the
 * first's entry and is refused (409).
 */
export interface DraftSummary {
  entryType: string;
  date: string;
  /** Minor units: originalAmount when given, else the debit total. */
  amount: bigint;
  customerId: string | null;
  vendorId: string | null;
  externalSystemId: string | null;
  description: string | null;
  reference: string | null;
  accountIds: string[];
}

export interface Draft<B = Record<string, unknown>> {
  id: string;
  body: B;
  status: 'draft' | 'booked';
  journalEntryId: string | null;
  bookedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DraftFilter {
  fromDate?: string;
  toDate?: string;
  accountId?: string;
  customerId?: string;
  vendorId?: string;
  journalType?: string;
  minAmount?: bigint;
  maxAmount?: bigint;
  externalSystemId?: string;
  /** Free text in description and reference (case-insensitive). */
  search?: string;
}

const toDraft = <B>(r: any): Draft<B> => ({
  id: r.id,
  body: r.body,
  status: r.booked_entry_id ? 'booked' : 'draft',
  journalEntryId: r.booked_entry_id,
  bookedAt: r.booked_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SUMMARY_COLUMNS = `entry_type, date, amount, customer_id, vendor_id, external_system_id, description, reference, account_ids, body`;
const summaryValues = (s: DraftSummary, body: unknown) => [s.entryType, s.date, s.amount, s.customerId, s.vendorId, s.externalSystemId, s.description, s.reference, s.accountIds, JSON.stringify(body)];

/** Stores drafts (already checked), in order; one statement for a whole batch. */
export async function createDrafts<B>(tx: Queryable, orgId: string, drafts: { body: B; summary: DraftSummary }[], now: Date): Promise<Draft<B>[]> {
  const ids = drafts.map(() => newId());
  const rows = await tx.query(
    `INSERT INTO ledgerbee_drafts (org_id, id, ${SUMMARY_COLUMNS}, created_at, updated_at)
     SELECT $1, u.id, u.entry_type, u.date, u.amount, u.customer_id, u.vendor_id, u.external_system_id, u.description, u.reference,
        ARRAY(SELECT jsonb_array_elements_text(u.account_ids))::uuid[], u.body, $3, $3
       FROM jsonb_to_recordset($2::jsonb) AS u(id uuid, entry_type text, date date, amount bigint, customer_id uuid, vendor_id uuid,
        external_system_id text, description text, reference text, account_ids jsonb, body jsonb)
     RETURNING *`,
    [
      orgId,
      JSON.stringify(
        drafts.map(({ body, summary: s }, i) => ({
          id: ids[i],
          entry_type: s.entryType,
          date: s.date,
          amount: s.amount.toString(),
          customer_id: s.customerId,
          vendor_id: s.vendorId,
          external_system_id: s.externalSystemId,
          description: s.description,
          reference: s.reference,
          account_ids: s.accountIds,
          body,
        })),
      ),
      now,
    ],
  );
  // RETURNING promises no order: put the rows back in the request's.
  const byId = new Map(rows.map((r) => [r.id, toDraft<B>(r)]));
  return ids.map((id) => byId.get(id)!);
}

export async function getDraft<B>(db: Queryable, orgId: string, id: string, lock = ''): Promise<Draft<B>> {
  const rows = await db.query(`SELECT * FROM ledgerbee_drafts WHERE org_id = $1 AND id = $2 ${lock}`, [orgId, id]);
  if (rows.length === 0) throw refusal('DRAFT_JOURNAL_ENTRY_NOT_FOUND', `draft journal entry ${id} does not exist`, 'id');
  return toDraft<B>(rows[0]);
}

/** Drafts matching every filter given, newest date first, one page of them and the total. */
export async function listDrafts<B>(db: Queryable, orgId: string, filter: DraftFilter, page: { page: number; limit: number }): Promise<{ items: Draft<B>[]; total: number }> {
  const where = `org_id = $1 AND ($2::date IS NULL OR date >= $2) AND ($3::date IS NULL OR date <= $3) AND ($4::uuid IS NULL OR $4 = ANY(account_ids))
    AND ($5::uuid IS NULL OR customer_id = $5) AND ($6::uuid IS NULL OR vendor_id = $6) AND ($7::text IS NULL OR entry_type = $7)
    AND ($8::int8 IS NULL OR amount >= $8) AND ($9::int8 IS NULL OR amount <= $9) AND ($10::text IS NULL OR external_system_id = $10)
    AND ($11::text IS NULL OR strpos(lower(coalesce(description, '') || ' ' || coalesce(reference, '')), lower($11)) > 0)`;
  const params = [
    orgId,
    filter.fromDate ?? null,
    filter.toDate ?? null,
    filter.accountId ?? null,
    filter.customerId ?? null,
    filter.vendorId ?? null,
    filter.journalType ?? null,
    filter.minAmount ?? null,
    filter.maxAmount ?? null,
    filter.externalSystemId ?? null,
    filter.search?.trim() || null,
  ];
  const rows = await db.query(`SELECT * FROM ledgerbee_drafts WHERE ${where} ORDER BY date DESC, id DESC LIMIT $12 OFFSET $13`, [...params, page.limit, (page.page - 1) * page.limit]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledgerbee_drafts WHERE ${where}`, params);
  return { items: rows.map((r) => toDraft<B>(r)), total: n };
}

export function refuseBooked(draft: Draft<unknown>) {
  if (draft.journalEntryId) {
    const error = refusal('DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED', `draft journal entry ${draft.id} was booked as journal entry ${draft.journalEntryId}`, 'id');
    Object.assign(error.details!, { journalEntryId: draft.journalEntryId });
    throw error;
  }
}

/** Replaces a draft's entry (the merged, checked body); a booked draft is refused. */
export async function replaceDraft<B>(tx: Queryable, orgId: string, id: string, body: B, summary: DraftSummary, now: Date): Promise<Draft<B>> {
  refuseBooked(await getDraft(tx, orgId, id, 'FOR UPDATE'));
  await tx.query(`UPDATE ledgerbee_drafts SET (${SUMMARY_COLUMNS}, updated_at) = ($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) WHERE org_id = $1 AND id = $2`, [
    orgId,
    id,
    ...summaryValues(summary, body),
    now,
  ]);
  return getDraft<B>(tx, orgId, id);
}

/** Deletes a draft not yet booked (a booked one is the record of its entry: refused). */
export async function deleteDraft(tx: Queryable, orgId: string, id: string): Promise<void> {
  refuseBooked(await getDraft(tx, orgId, id, 'FOR UPDATE'));
  await tx.query(`DELETE FROM ledgerbee_drafts WHERE org_id = $1 AND id = $2`, [orgId, id]);
}

/**
 * Books a draft: `post` posts its entry (in this transaction) and gives the posted entry's
 * id, which the draft keeps. A draft already booked is refused with the entry it became.
 */
export async function bookDraft<B, E extends { id: string }>(tx: Queryable, orgId: string, id: string, post: (body: B) => Promise<E>, now: Date): Promise<{ draft: Draft<B>; entry: E }> {
  const draft = await getDraft<B>(tx, orgId, id, 'FOR UPDATE');
  refuseBooked(draft);
  const entry = await post(draft.body);
  await tx.query(`UPDATE ledgerbee_drafts SET booked_entry_id = $3, booked_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2`, [orgId, id, entry.id, now]);
  return { draft: await getDraft<B>(tx, orgId, id), entry };
}
