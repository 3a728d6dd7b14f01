import { prepared, type Db, type Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getOrg } from '../platform/orgs.ts';
import { minorUnit } from '../platform/currencies.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import type { AccountType } from '../ledger/types.ts';
import {
  POSTABLE,
  STANDARD_CHART,
  STANDARD_JOURNAL_CATEGORIES,
  STANDARD_VAT_CODES,
  type ChartRow,
  type Classification,
  type ControlType,
  type JournalType,
  type VatPrinciple,
  type VatType,
} from './chart.ts';
import { seedPartyGroups } from './party-groups.ts';

/** What the LedgerBee domain works with. */
export interface LedgerBeeDeps {
  db: Db;
  clock: Clock;
  ledger: LedgerEngine;
}

/** A LedgerBee company: a Kontor org, with one ledger in its currency. */
export interface Company {
  orgId: string;
  ledgerId: string;
  name: string;
  currency: string;
  /** Postings dated on or before this day are refused; null: none. */
  lockDate: string | null;
  licences: string[];
  createdAt: Date;
}

/** A row of the company's chart, with its id. */
export interface ChartAccount extends ChartRow {
  /** For postable rows, also the id of the ledger account it posts to. */
  id: string;
}

export interface VatCode {
  id: string;
  code: string;
  name: string;
  rateBp: number;
  type: VatType;
  principle: VatPrinciple;
  accountId: string | null;
  contraAccountId: string | null;
}

export interface JournalCategory {
  id: string;
  name: string;
  isDefault: boolean;
  allowed: JournalType[];
}

export const DEFAULT_CURRENCY = 'DKK';
export const LEDGER_OWNER = 'ledgerbee';

const LEDGER_TYPE: Record<Classification, AccountType> = { ASSET: 'asset', LIABILITY: 'liability', EQUITY: 'equity', REVENUE: 'income', EXPENSE: 'expense' };

const toCompany = (r: any): Company => ({
  orgId: r.org_id,
  ledgerId: r.ledger_id,
  name: r.name,
  currency: r.currency,
  lockDate: r.lock_date ?? null,
  licences: r.licences,
  createdAt: r.created_at,
});

/** The company of an org, or null when LedgerBee has not been used there yet. */
const COMPANY_BY_ORG = prepared(`SELECT org_id, ledger_id, name, currency, to_char(lock_date, 'YYYY-MM-DD') AS lock_date, licences, created_at FROM ledgerbee_companies WHERE org_id = $1`);

export async function findCompany(db: Queryable, orgId: string): Promise<Company | null> {
  // Prepared: read on every journal write, whose planning would cost more than the lookup.
  const rows = await db.query(COMPANY_BY_ORG, [orgId]);
  return rows[0] ? toCompany(rows[0]) : null;
}

/**
 * The org's company, made on first use with the standard chart, VAT codes and journal
 * categories (under a transaction-scoped lock, so two first requests make one company).
 */
export async function ensureCompany(deps: LedgerBeeDeps, tx: Queryable, orgId: string): Promise<Company> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledgerbee-company:' || $1::text))`, [orgId]);
  const found = await findCompany(tx, orgId);
  if (found) return found;
  const org = await getOrg(tx, orgId);
  if (!org) throw new DomainError('not_found', 'company not found');
  const now = deps.clock.now();
  const asset = { currency: DEFAULT_CURRENCY, scale: minorUnit(DEFAULT_CURRENCY) ?? 2 };
  const ledger = await deps.ledger.createLedger(orgId, { name: 'LedgerBee', owner: LEDGER_OWNER }, tx);
  await tx.query('INSERT INTO ledgerbee_companies (org_id, ledger_id, name, currency, created_at) VALUES ($1, $2, $3, $4, $5)', [orgId, ledger.id, org.name, DEFAULT_CURRENCY, now]);
  const idOf = new Map<number, string>();
  for (const row of STANDARD_CHART) {
    const id = POSTABLE.has(row.ledgerType)
      ? (await deps.ledger.createAccount(orgId, { ledgerId: ledger.id, code: String(row.number), name: row.name, type: LEDGER_TYPE[row.classification!], asset }, tx)).id
      : newId();
    idOf.set(row.number, id);
  }
  const chart = STANDARD_CHART;
  await tx.query(
    `INSERT INTO ledgerbee_accounts (org_id, id, account_number, name, ledger_type, classification, control_type, total_from)
     SELECT $1, * FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])`,
    [orgId, chart.map((r) => idOf.get(r.number)), chart.map((r) => r.number), chart.map((r) => r.name), chart.map((r) => r.ledgerType), chart.map((r) => r.classification), chart.map((r) => r.control), chart.map((r) => r.totalFrom)],
  );
  const vat = STANDARD_VAT_CODES;
  await tx.query(
    `INSERT INTO ledgerbee_vat_codes (org_id, id, vat_code, name, rate_bp, type, principle, account_id, contra_account_id, sort)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::int[])`,
    [
      orgId,
      vat.map(() => newId()),
      vat.map((v) => v.code),
      vat.map((v) => v.name),
      vat.map((v) => v.rateBp),
      vat.map((v) => v.type),
      vat.map((v) => v.principle),
      vat.map((v) => (v.account ? idOf.get(v.account) : null)),
      vat.map((v) => (v.contra ? idOf.get(v.contra) : null)),
      vat.map((_, i) => i),
    ],
  );
  const categories = STANDARD_JOURNAL_CATEGORIES;
  await tx.query(
    `INSERT INTO ledgerbee_journal_categories (org_id, id, name, is_default, allowed_journal_types, sort)
     SELECT $1, id, name, is_default, string_to_array(allowed, ','), sort FROM unnest($2::uuid[], $3::text[], $4::bool[], $5::text[], $6::int[]) AS u(id, name, is_default, allowed, sort)`,
    [orgId, categories.map(() => newId()), categories.map((c) => c.name), categories.map((c) => c.isDefault), categories.map((c) => c.allowed.join(',')), categories.map((_, i) => i)],
  );
  // Customer and vendor groups, on the receivable and payable control accounts.
  const control = (type: ControlType) => idOf.get(chart.find((r) => r.control === type)!.number) ?? null;
  await seedPartyGroups(tx, orgId, { receivableAccountId: control('ACCOUNTS_RECEIVABLE'), payableAccountId: control('ACCOUNTS_PAYABLE') });
  return (await findCompany(tx, orgId))!;
}

/** The chart of accounts, by account number. */
export async function listChart(db: Queryable, orgId: string): Promise<ChartAccount[]> {
  const rows = await db.query('SELECT * FROM ledgerbee_accounts WHERE org_id = $1 ORDER BY account_number', [orgId]);
  return rows.map((r) => ({
    id: r.id,
    number: r.account_number,
    name: r.name,
    ledgerType: r.ledger_type,
    classification: r.classification,
    control: r.control_type,
    totalFrom: r.total_from,
  }));
}

export async function listVatCodes(db: Queryable, orgId: string): Promise<VatCode[]> {
  const rows = await db.query('SELECT * FROM ledgerbee_vat_codes WHERE org_id = $1 ORDER BY sort', [orgId]);
  return rows.map((r) => ({
    id: r.id,
    code: r.vat_code,
    name: r.name,
    rateBp: r.rate_bp,
    type: r.type,
    principle: r.principle,
    accountId: r.account_id,
    contraAccountId: r.contra_account_id,
  }));
}

/** Journal categories, the default first. */
export async function listJournalCategories(db: Queryable, orgId: string): Promise<JournalCategory[]> {
  const rows = await db.query('SELECT * FROM ledgerbee_journal_categories WHERE org_id = $1 ORDER BY is_default DESC, sort', [orgId]);
  return rows.map((r) => ({ id: r.id, name: r.name, isDefault: r.is_default, allowed: r.allowed_journal_types }));
}

/** Sets the company's licences (the whole set). */
export async function setLicences(tx: Queryable, orgId: string, licences: string[]): Promise<Company> {
  const rows = await tx.query('UPDATE ledgerbee_companies SET licences = $2 WHERE org_id = $1 RETURNING org_id', [orgId, licences]);
  if (rows.length === 0) throw new DomainError('not_found', 'company not found');
  return (await findCompany(tx, orgId))!;
}

/** Sets (or, with null, clears) the lock date: postings dated on or before it are refused. */
export async function setLockDate(tx: Queryable, orgId: string, lockDate: string | null): Promise<Company> {
  const rows = await tx.query('UPDATE ledgerbee_companies SET lock_date = $2::date WHERE org_id = $1 RETURNING org_id', [orgId, lockDate]);
  if (rows.length === 0) throw new DomainError('not_found', 'company not found');
  return (await findCompany(tx, orgId))!;
}
