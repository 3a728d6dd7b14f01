import type { Clock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db.ts';
import { newId } from '../../src/platform/ids.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { LedgerEngine } from '../../src/ledger/engine.ts';
import { isOneStatementPost } from '../../src/ledger/post-in-one-statement.ts';
import type { AccountType } from '../../src/ledger/types.ts';

export interface SeedOptions {
  accounts: number;
  /** Of every seeded account; `asset` when absent. */
  type?: AccountType;
  /** Of every seeded account; no limit when absent. */
  minBalance?: bigint | null;
  currency?: string;
  scale?: number;
}

export interface LedgerFixture {
  /** The engine every benchmark posts through, on the benchmark's database and clock. */
  engine: LedgerEngine;
  orgId: string;
  ledgerId: string;
  accountIds: string[];
  asset: { currency: string; scale: number };
  /** Commits the engine has asked for so far (a retry inside Db.transaction counts once). */
  transactions: () => number;
}

/**
 * The same database, counting the commits of ledger writes through it: transactions opened,
 * and writes posted in one statement outside any (each its own commit).
 */
function countingDb(db: Db): { db: Db; count: () => number } {
  let n = 0;
  const counted: Db = {
    listen: (channel, onMessage, onReconnect) => db.listen(channel, onMessage, onReconnect),
    holdAdvisoryLock: (key) => db.holdAdvisoryLock(key),
    query: (text, params) => {
      if (isOneStatementPost(text)) n++;
      return db.query(text, params);
    },
    transaction: (fn) => {
      n++;
      return db.transaction(fn);
    },
    close: () => db.close(),
  };
  return { db: counted, count: () => n };
}

/**
 * An org, a ledger and its accounts. The accounts go in with one `unnest` insert per 5,000
 * rows, which is setup and never timed; the ids come from `newId` like the engine's own.
 */
export async function seedLedger(db: Db, clock: Clock, options: SeedOptions): Promise<LedgerFixture> {
  const counting = countingDb(db);
  const engine = new LedgerEngine(counting.db, clock);
  const org = await createOrg(db, clock, { name: `bench ${newId()}` });
  const ledger = await engine.createLedger(org.id, { owner: 'kontor', name: 'bench' }, db);
  const asset = { currency: options.currency ?? 'USD', scale: options.scale ?? 2 };
  const accountIds = Array.from({ length: options.accounts }, () => newId());
  for (let from = 0; from < accountIds.length; from += 5000) {
    const ids = accountIds.slice(from, from + 5000);
    await db.query(
      `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, min_balance, created_at)
       SELECT $1, t.id, $2, 'acct-' || t.n, 'Account ' || t.n, $3, $4, $5, $6, $7
         FROM unnest($8::uuid[], $9::int[]) AS t(id, n)`,
      [
        org.id,
        ledger.id,
        options.type ?? 'asset',
        asset.currency,
        asset.scale,
        options.minBalance?.toString() ?? null,
        clock.now(),
        ids,
        ids.map((_, i) => from + i),
      ],
    );
  }
  await db.query('ANALYZE accounts');
  const setupTransactions = counting.count();
  return { engine, orgId: org.id, ledgerId: ledger.id, accountIds, asset, transactions: () => counting.count() - setupTransactions };
}

/** A two-posting transfer between a random pair of the fixture's accounts. */
export function randomTransfer(f: LedgerFixture, randomInt: (n: number) => number): import('../../src/ledger/types.ts').EntryInput {
  const n = f.accountIds.length;
  const from = randomInt(n);
  const to = (from + 1 + randomInt(n - 1)) % n;
  const amount = BigInt(1 + randomInt(100_000));
  return {
    ledgerId: f.ledgerId,
    postings: [
      { accountId: f.accountIds[to], amount },
      { accountId: f.accountIds[from], amount: -amount },
    ],
  };
}
