import { prepared, tokenArray, type Queryable } from '../platform/db.ts';
import type { AccountRef } from './transactions.ts';
import type { LedgyUser } from './users.ts';

/**
 * The accounts a bulk create names, remembered between calls so that a call naming only
 * accounts seen before skips reading them (a round trip of its ~6). What is remembered may be
 * stale (an account deleted, moved or changed by another process): the insert checks it again
 * in the same statement (`guard`), and a stale answer makes the call start over, reading.
 */
const seen = new Map<string, AccountRef & { orgId: string; userId: string }>();

const ACCOUNT_REFS = prepared(
  'SELECT id, ledger_account_id, currency_code FROM ledgy_accounts WHERE org_id = $1 AND user_id = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL',
);

/** Refs of the user's live accounts among `ids`, and whether they came from memory. */
export async function accountsNamed(tx: Queryable, user: LedgyUser, ids: string[], mayRemember: boolean): Promise<{ refs: Map<string, AccountRef>; remembered: boolean }> {
  if (mayRemember && ids.length > 0) {
    const refs = new Map<string, AccountRef>();
    for (const id of ids) {
      const hit = seen.get(id);
      if (!hit || hit.orgId !== user.orgId || hit.userId !== user.id) break;
      refs.set(id, hit);
    }
    if (refs.size === ids.length) return { refs, remembered: true };
  }
  const rows = await tx.query<AccountRef>(ACCOUNT_REFS, [user.orgId, user.id, ids]);
  if (seen.size > 100_000) seen.clear();
  for (const a of rows) seen.set(a.id, { id: a.id, ledger_account_id: a.ledger_account_id, currency_code: a.currency_code, orgId: user.orgId, userId: user.id });
  return { refs: new Map(rows.map((a) => [a.id, a])), remembered: false };
}

/**
 * The guard's three parameters (ids, ledger account ids, currencies): the remembered refs,
 * each of which must still be the user's, live and unchanged; none when they were just read.
 */
export function guardParams(refs: Map<string, AccountRef>, remembered: boolean): string[] {
  const list = remembered ? [...refs.values()] : [];
  return [tokenArray(list.map((a) => a.id)), tokenArray(list.map((a) => a.ledger_account_id)), tokenArray(list.map((a) => a.currency_code))];
}

/** SQL: true when every ref in the guard's parameters ($a, $b, $c; org $1, user $2) still holds. */
export const guardHolds = (a: number, b: number, c: number) =>
  `(SELECT count(*) FROM unnest($${a}::uuid[], $${b}::uuid[], $${c}::text[]) AS k(id, ledger_account_id, currency_code)
      JOIN ledgy_accounts x ON x.org_id = $1 AND x.id = k.id
     WHERE x.user_id = $2 AND x.deleted_at IS NULL AND x.ledger_account_id = k.ledger_account_id AND x.currency_code = k.currency_code)
   = cardinality($${a}::uuid[])`;

/** Thrown inside the call's savepoint when remembered refs no longer hold: undone, then read. */
export class StaleAccounts extends Error {}
