import type { Queryable } from '../platform/db.ts';
import type { Account, AccountType, Entry, Ledger } from './types.ts';
import { normalSign } from './types.ts';

export interface AccountRow {
  org_id: string;
  id: string;
  ledger_id: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  scale: number;
  min_balance: bigint | null;
  balance: bigint;
  metadata: Record<string, unknown> | null;
  created_at: Date;
}

export const ACCOUNT_COLUMNS = 'org_id, id, ledger_id, code, name, type, currency, scale, min_balance, balance, metadata, created_at';

export function toAccount(row: AccountRow): Account {
  return {
    orgId: row.org_id,
    id: row.id,
    ledgerId: row.ledger_id,
    code: row.code,
    name: row.name,
    type: row.type,
    asset: { currency: row.currency, scale: Number(row.scale) },
    minBalance: row.min_balance,
    balance: row.balance * normalSign(row.type),
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

export function toLedger(row: any): Ledger {
  return { orgId: row.org_id, id: row.id, owner: row.owner, name: row.name, metadata: row.metadata, createdAt: row.created_at };
}

interface EntryRow {
  org_id: string;
  id: string;
  ledger_id: string;
  effective_at: Date;
  created_at: Date;
  external_id: string | null;
  description: string | null;
  reverses_id: string | null;
  rates: Record<string, string> | null;
  metadata: Record<string, unknown> | null;
}

/** Entries with their postings, by (org, id); ids of another org are simply absent. */
export async function loadEntries(db: Queryable, keys: { orgId: string; id: string }[]): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  if (keys.length === 0) return out;
  const orgs = keys.map((k) => k.orgId);
  const ids = keys.map((k) => k.id);
  const rows = await db.query<EntryRow>(
    `SELECT e.* FROM entries e JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id)
       ON e.org_id = k.org_id AND e.id = k.id`,
    [orgs, ids],
  );
  for (const r of rows) out.set(r.id, toEntry(r));
  const postings = await db.query<{ entry_id: string; account_id: string; amount: bigint; currency: string; scale: number }>(
    `SELECT p.entry_id, p.account_id, p.amount, a.currency, a.scale
       FROM postings p
       JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON p.org_id = k.org_id AND p.entry_id = k.id
       JOIN accounts a ON a.org_id = p.org_id AND a.id = p.account_id
      ORDER BY p.entry_id, p.seq`,
    [orgs, ids],
  );
  for (const p of postings) {
    out.get(p.entry_id)?.postings.push({
      accountId: p.account_id,
      amount: p.amount,
      asset: { currency: p.currency, scale: Number(p.scale) },
    });
  }
  return out;
}

export function toEntry(r: EntryRow): Entry {
  return {
    orgId: r.org_id,
    id: r.id,
    ledgerId: r.ledger_id,
    effectiveAt: r.effective_at,
    createdAt: r.created_at,
    externalId: r.external_id,
    description: r.description,
    reversesId: r.reverses_id,
    rates: r.rates,
    metadata: r.metadata,
    postings: [],
  };
}
