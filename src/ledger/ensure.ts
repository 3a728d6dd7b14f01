import { tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import type { Asset } from '../platform/money.ts';
import type { AccountType } from './types.ts';

/**
 * Get-or-create for surfaces that keep books lazily (billing: a ledger per app and mode, an
 * account per customer and currency, made by the first fact that posts to them), in the
 * caller's transaction. Both are INSERT … ON CONFLICT DO NOTHING then a read, so two
 * transactions racing to make the same one end with one row: the second waits for the first's
 * commit on the unique index, then reads the row it made.
 */

export async function ensureLedger(tx: Queryable, orgId: string, input: { name: string; owner: string }, now: Date): Promise<string> {
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO ledgers (org_id, id, owner, name, metadata, created_at) VALUES ($1, $2, $3, $4, NULL, $5)
     ON CONFLICT (org_id, owner, name) DO NOTHING RETURNING id`,
    [orgId, newId(), input.owner, input.name, now],
  );
  if (rows.length > 0) return rows[0].id;
  const [row] = await tx.query<{ id: string }>('SELECT id FROM ledgers WHERE org_id = $1 AND owner = $2 AND name = $3', [orgId, input.owner, input.name]);
  return row.id;
}

export interface AccountSpec {
  code: string;
  name: string;
  type: AccountType;
  asset: Asset;
}

/** The ids of accounts of one ledger by code, each made as described when missing: two statements for any number. */
export async function ensureAccounts(tx: Queryable, orgId: string, ledgerId: string, specs: readonly AccountSpec[], now: Date): Promise<Map<string, string>> {
  const unique = [...new Map(specs.map((s) => [s.code, s])).values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  if (unique.length === 0) return new Map();
  // Sorted codes: two transactions insert in the same order, so they wait instead of deadlocking.
  await tx.query(
    `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, min_balance, created_at)
     SELECT $1, a.id, $2, a.code, a.name, a.type, a.currency, a.scale, NULL, $9
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) WITH ORDINALITY AS a (id, code, name, type, currency, scale, n)
      ORDER BY a.n
     ON CONFLICT (org_id, ledger_id, code) DO NOTHING`,
    [
      orgId,
      ledgerId,
      tokenArray(unique.map(() => newId())),
      unique.map((s) => s.code),
      unique.map((s) => s.name),
      unique.map((s) => s.type),
      unique.map((s) => s.asset.currency),
      unique.map((s) => s.asset.scale),
      now,
    ],
  );
  const rows = await tx.query<{ id: string; code: string }>('SELECT id, code FROM accounts WHERE org_id = $1 AND ledger_id = $2 AND code = ANY($3::text[])', [
    orgId,
    ledgerId,
    unique.map((s) => s.code),
  ]);
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** Normal-side balances of a ledger's accounts whose code starts with `prefix`, by code. */
export async function balancesByPrefix(db: Queryable, orgId: string, ledgerId: string, prefix: string): Promise<Map<string, bigint>> {
  const rows = await db.query<{ code: string; balance: bigint; type: AccountType }>(
    `SELECT code, balance, type FROM accounts WHERE org_id = $1 AND ledger_id = $2 AND starts_with(code, $3)`,
    [orgId, ledgerId, prefix],
  );
  return new Map(rows.map((r) => [r.code, r.type === 'asset' || r.type === 'expense' ? r.balance : -r.balance]));
}
