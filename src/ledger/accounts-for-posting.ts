import { prepared, tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { assetCode, type Asset } from '../platform/money.ts';
import type { AccountType } from './types.ts';
import { entryAssets } from './entry-rules.ts';
import type { PostingUnit } from './post-entries.ts';

/** An account row as a writer holds it: locked, or made in memory by this transaction. */
export interface LockedAccount {
  org_id: string;
  id: string;
  ledger_id: string;
  type: AccountType;
  currency: string;
  scale: number;
  min_balance: bigint | null;
  balance: bigint;
  /** The account's latest effective day ('YYYY-MM-DD') and its total, kept on the row (0012). */
  open_day: string | null;
  open_day_delta: bigint;
  /** Shared by the account's postings. */
  asset: Asset;
}

/** A fixed shape for every row (V8 then keeps the accesses on the hot path monomorphic). */
function locked(row: Omit<LockedAccount, 'asset'>): LockedAccount {
  return {
    org_id: row.org_id,
    id: row.id,
    ledger_id: row.ledger_id,
    type: row.type,
    currency: row.currency,
    scale: row.scale,
    min_balance: row.min_balance,
    balance: row.balance,
    open_day: row.open_day,
    open_day_delta: row.open_day_delta,
    asset: { currency: row.currency, scale: row.scale },
  };
}

const LOCKED_COLUMNS = 'a.org_id, a.id, a.ledger_id, a.type, a.currency, a.scale, a.min_balance, a.balance, a.open_day, a.open_day_delta';
const LOCK_ONE_ORG = prepared(
  `SELECT ${LOCKED_COLUMNS} FROM accounts a WHERE a.org_id = $1 AND a.id = ANY($2::uuid[]) ORDER BY a.id FOR UPDATE OF a`,
);

/**
 * Row locks in one fixed order, as a statement of its own, so concurrent writers queue
 * instead of deadlocking and limits are checked against the committed balance. Keyed by
 * (org_id, id), the primary key: an account named by another org's unit is not found.
 * One org (nearly always) is probed through the primary key with `= ANY`, which walks the
 * index in id order; a join on an unnest makes the planner hash the whole accounts table
 * (a scan that also prunes every page: most of the statement's time at 10,000 accounts).
 */
export async function lockAccounts(tx: Queryable, pairs: [id: string, orgId: string][], into: Map<string, LockedAccount>): Promise<void> {
  if (pairs.length === 0) return;
  const org = pairs[0][1];
  const rows = pairs.every(([, o]) => o === org)
    ? await tx.query<Omit<LockedAccount, 'asset'>>(
        LOCK_ONE_ORG,
        [org, tokenArray(pairs.map(([id]) => id))],
      )
    : await tx.query<Omit<LockedAccount, 'asset'>>(
        `SELECT ${LOCKED_COLUMNS}
           FROM accounts a JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON a.org_id = k.org_id AND a.id = k.id
          ORDER BY a.id FOR UPDATE OF a`,
        [tokenArray(pairs.map(([, o]) => o)), tokenArray(pairs.map(([id]) => id))],
      );
  for (const row of rows) into.set(row.id, locked(row));
}

export interface TradingAccounts {
  /** `org|ledger|code` → account id, existing or to be made. */
  ids: Map<string, string>;
  /** Accounts made in memory (also added to the locked accounts), by id, with their code. */
  toCreate: Map<string, { code: string }>;
}

/**
 * Entries in two currencies balance through the ledger's trading accounts for the pair.
 * Trading accounts that exist are locked like the others; missing ones are made in memory
 * and inserted only if an entry that posts is using them, so a refused entry writes nothing.
 */
export async function prepareTradingAccounts(tx: Queryable, units: PostingUnit[], accounts: Map<string, LockedAccount>): Promise<TradingAccounts> {
  const tradingNeeds = new Map<string, { orgId: string; ledgerId: string; pair: string; asset: Asset }>();
  for (const unit of units) {
    for (const entry of unit.entries) {
      // Without a rate an entry must balance in each asset by itself: it needs no trading account.
      if (!entry.rates) continue;
      const assets = entryAssets(unit.orgId, entry, accounts);
      if (assets && assets.size === 2) {
        const [a, b] = [...assets.values()].map((x) => x.asset);
        const pair = [assetCode(a), assetCode(b)].sort().join(':');
        for (const asset of [a, b]) {
          tradingNeeds.set(`${unit.orgId}|${entry.ledgerId}|${tradingCode(pair, asset)}`, {
            orgId: unit.orgId,
            ledgerId: entry.ledgerId,
            pair,
            asset,
          });
        }
      }
    }
  }
  const ids = new Map<string, string>();
  const toCreate = new Map<string, { code: string }>();
  if (tradingNeeds.size === 0) return { ids, toCreate };
  const needs = [...tradingNeeds.values()];
  const rows = await tx.query<{ org_id: string; ledger_id: string; code: string; id: string }>(
    `SELECT a.org_id, a.ledger_id, a.code, a.id FROM accounts a
       JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(org_id, ledger_id, code)
         ON a.org_id = t.org_id AND a.ledger_id = t.ledger_id AND a.code = t.code`,
    [needs.map((n) => n.orgId), needs.map((n) => n.ledgerId), needs.map((n) => tradingCode(n.pair, n.asset))],
  );
  for (const row of rows) ids.set(`${row.org_id}|${row.ledger_id}|${row.code}`, row.id);
  await lockAccounts(tx, rows.map((r) => [r.id, r.org_id] as [string, string]), accounts);
  for (const [key, need] of tradingNeeds) {
    if (ids.has(key)) continue;
    const id = newId();
    ids.set(key, id);
    toCreate.set(id, { code: tradingCode(need.pair, need.asset) });
    accounts.set(
      id,
      locked({
        org_id: need.orgId,
        id,
        ledger_id: need.ledgerId,
        type: 'equity',
        currency: need.asset.currency,
        scale: need.asset.scale,
        min_balance: null,
        balance: 0n,
        open_day: null,
        open_day_delta: 0n,
      }),
    );
  }
  return { ids, toCreate };
}

/**
 * Inserts the trading accounts first used by this transaction. Another transaction may have
 * made one in the meantime; then this one is retried (as a serialisation failure), and the
 * retry finds and locks the existing account.
 */
export async function createTradingAccounts(tx: Queryable, list: { account: LockedAccount; code: string }[], now: Date): Promise<void> {
  if (list.length === 0) return;
  const inserted = await tx.query(
    `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, created_at)
     SELECT t.org_id, t.id, t.ledger_id, t.code, 'Currency trading ' || t.code, 'equity', t.currency, t.scale, $7
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[]) AS t(org_id, id, ledger_id, code, currency, scale)
     ON CONFLICT (org_id, ledger_id, code) DO NOTHING RETURNING id`,
    [
      list.map((x) => x.account.org_id),
      list.map((x) => x.account.id),
      list.map((x) => x.account.ledger_id),
      list.map((x) => x.code),
      list.map((x) => x.account.currency),
      list.map((x) => x.account.scale),
      now,
    ],
  );
  if (inserted.length !== list.length) {
    throw Object.assign(new Error('a trading account was created concurrently; retrying'), { code: '40001' });
  }
}

export function tradingCode(pair: string, asset: Asset): string {
  return `_trading:${pair}:${assetCode(asset)}`;
}
