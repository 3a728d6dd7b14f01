import type { Queryable } from '../platform/db.ts';
import type { AccountType } from '../ledger/types.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { LEDGY_SCALE } from './deps.ts';

/**
 * Each currency of a user's ledger has four system accounts:
 *   _opening:CUR    (equity)   the other side of opening balances
 *   _income:CUR     (income)   the other side of income
 *   _expense:CUR    (expense)  the other side of expenses
 *   _unassigned:CUR (asset)    stands in for "no account" (a one-sided fact, or a detached row)
 */
export type SystemKind = 'opening' | 'income' | 'expense' | 'unassigned';
const SYSTEM: Record<SystemKind, { type: AccountType; name: string }> = {
  opening: { type: 'equity', name: 'Opening balances' },
  income: { type: 'income', name: 'Income' },
  expense: { type: 'expense', name: 'Expenses' },
  unassigned: { type: 'asset', name: 'Unassigned' },
};

/**
 * System account ids by ledger and code, made on first use. Only ids of accounts that existed
 * before the asking transaction began go in `committed`: one made by a transaction that then
 * rolls back (or is retried) must not outlive it, so those stay with that transaction's handle,
 * one layer per open savepoint, so a row undone by `ROLLBACK TO SAVEPOINT` takes its accounts
 * with it.
 */
export class SystemAccounts {
  private readonly committed = new Map<string, string>();
  private readonly pending = new WeakMap<Queryable, Map<string, string>[]>();

  constructor(private readonly ledger: LedgerEngine) {}

  async id(tx: Queryable, orgId: string, ledgerId: string, kind: SystemKind, currency: string): Promise<string> {
    const code = `_${kind}:${currency}`;
    const key = `${ledgerId}|${code}`;
    const hit = this.committed.get(key) ?? this.pendingIn(tx, key);
    if (hit) return hit;
    const { id, created } = await this.ledger.ensureAccount(
      orgId,
      { ledgerId, code, name: `${SYSTEM[kind].name} (${currency})`, type: SYSTEM[kind].type, asset: { currency, scale: LEDGY_SCALE } },
      tx,
    );
    if (created) {
      const layers = this.layers(tx);
      layers[layers.length - 1].set(key, id);
    } else {
      if (this.committed.size > 100_000) this.committed.clear();
      this.committed.set(key, id);
    }
    return id;
  }

  /** A savepoint of `tx` opened: accounts made from here on go with it. */
  savepoint(tx: Queryable): void {
    this.layers(tx).push(new Map());
  }

  /** The savepoint was released: its accounts belong to the enclosing work. */
  released(tx: Queryable): void {
    const layers = this.layers(tx);
    const top = layers.length > 1 ? layers.pop()! : new Map<string, string>();
    for (const [key, id] of top) layers[layers.length - 1].set(key, id);
  }

  /** The savepoint was rolled back: the accounts made in it are gone. */
  rolledBack(tx: Queryable): void {
    const layers = this.layers(tx);
    if (layers.length > 1) layers.pop();
    else layers[0].clear();
  }

  private pendingIn(tx: Queryable, key: string): string | undefined {
    const layers = this.pending.get(tx);
    if (!layers) return undefined;
    for (let i = layers.length - 1; i >= 0; i--) {
      const hit = layers[i].get(key);
      if (hit) return hit;
    }
    return undefined;
  }

  private layers(tx: Queryable): Map<string, string>[] {
    let layers = this.pending.get(tx);
    if (!layers) {
      layers = [new Map()];
      this.pending.set(tx, layers);
    }
    return layers;
  }
}
