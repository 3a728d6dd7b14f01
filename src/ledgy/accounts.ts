import type { Queryable } from '../platform/db.ts';
import { DomainError, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { LEDGY_SCALE, type LedgyDeps } from './deps.ts';
import type { LedgyUser } from './users.ts';
import { rebuildEntries, softDeleteTransactions } from './transactions.ts';

export interface LedgyAccount {
  id: string;
  userId: string;
  ledgerAccountId: string;
  openingEntryId: string | null;
  name: string;
  currencyCode: string;
  initialBalance: bigint;
  order: number;
  icon: string | null;
  color: string | null;
  iconColor: string | null;
  shareInviteToken: string | null;
  /** The ledger balance, opening entry included, in units of 1/10,000. */
  currentBalance: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export interface AccountInput {
  name: string;
  currencyCode: string;
  initialBalance: bigint;
  order: number;
  icon?: string | null;
  color?: string | null;
  iconColor?: string | null;
}

/** An account as Ledgy keeps it; its balance is the ledger's. */
type AccountRow = Omit<LedgyAccount, 'currentBalance'>;

const toRow = (r: any): AccountRow => ({
  id: r.id,
  userId: r.user_id,
  ledgerAccountId: r.ledger_account_id,
  openingEntryId: r.opening_entry_id,
  name: r.name,
  currencyCode: r.currency_code,
  initialBalance: r.initial_balance,
  order: r.sort_order,
  icon: r.icon,
  color: r.color,
  iconColor: r.icon_color,
  shareInviteToken: r.share_invite_token,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The rows with their ledger balances, read through the engine. */
async function withBalances(ledger: LedgerEngine, orgId: string, rows: AccountRow[]): Promise<LedgyAccount[]> {
  const accounts = await ledger.getAccounts(orgId, rows.map((r) => r.ledgerAccountId));
  return rows.map((r) => ({ ...r, currentBalance: accounts.get(r.ledgerAccountId)?.balance ?? 0n }));
}

async function accountRows(db: Queryable, user: LedgyUser): Promise<AccountRow[]> {
  const rows = await db.query('SELECT * FROM ledgy_accounts WHERE org_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY sort_order, id', [user.orgId, user.id]);
  return rows.map(toRow);
}

/** One of the user's live accounts; anything else (another user's, deleted) is not found. */
async function accountRow(db: Queryable, user: LedgyUser, id: string, field?: string, lock = false): Promise<AccountRow> {
  const [row] = await db.query(`SELECT * FROM ledgy_accounts WHERE org_id = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`, [
    user.orgId,
    user.id,
    id,
  ]);
  if (!row) throw notFound('account', field);
  return toRow(row);
}

export async function listAccounts(deps: Pick<LedgyDeps, 'db' | 'ledger'>, user: LedgyUser): Promise<LedgyAccount[]> {
  return withBalances(deps.ledger, user.orgId, await accountRows(deps.db, user));
}

/** One of the user's live accounts, with its balance; anything else is not found. */
export async function getAccount(deps: Pick<LedgyDeps, 'db' | 'ledger'>, user: LedgyUser, id: string): Promise<LedgyAccount> {
  const [account] = await withBalances(deps.ledger, user.orgId, [await accountRow(deps.db, user, id)]);
  return account;
}

/** Posts (or re-posts) the opening balance as an entry against the currency's opening account. */
async function postOpening(deps: LedgyDeps, tx: Queryable, user: LedgyUser, ledgerAccountId: string, currency: string, amount: bigint, date: Date) {
  if (amount === 0n) return null;
  const opening = await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'opening', currency);
  const [result] = await deps.ledger.postBatch(
    user.orgId,
    [{ ledgerId: user.ledgerId, effectiveAt: date, description: 'Opening balance', postings: [{ accountId: ledgerAccountId, amount }, { accountId: opening, amount: -amount }] }],
    tx,
  );
  return result.entry.id;
}

async function ledgerAccountFor(deps: LedgyDeps, tx: Queryable, user: LedgyUser, accountId: string, currency: string) {
  const { id } = await deps.ledger.ensureAccount(
    user.orgId,
    { ledgerId: user.ledgerId, code: `acct:${accountId}:${currency}`, name: `Account ${accountId}`, type: 'asset', asset: { currency, scale: LEDGY_SCALE } },
    tx,
  );
  return id;
}

export async function createAccount(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: AccountInput): Promise<LedgyAccount> {
  const id = newId();
  const now = deps.clock.now();
  const ledgerAccountId = await ledgerAccountFor(deps, tx, user, id, input.currencyCode);
  const openingEntryId = await postOpening(deps, tx, user, ledgerAccountId, input.currencyCode, input.initialBalance, now);
  const [row] = await tx.query(
    `INSERT INTO ledgy_accounts (org_id, id, user_id, ledger_account_id, opening_entry_id, name, currency_code, initial_balance, sort_order,
                                 icon, color, icon_color, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`,
    [user.orgId, id, user.id, ledgerAccountId, openingEntryId, input.name, input.currencyCode, input.initialBalance.toString(), input.order, input.icon ?? null, input.color ?? null, input.iconColor ?? null, now],
  );
  // A new ledger account: its one entry is the opening balance.
  return { ...toRow(row), currentBalance: input.initialBalance };
}

/**
 * PUT: every field replaced. A new initial balance reverses the old opening entry and posts
 * a new one. A new currency is allowed only while no live transaction uses the account.
 */
export async function replaceAccount(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: AccountInput): Promise<LedgyAccount> {
  const current = await accountRow(tx, user, id, undefined, true);
  let ledgerAccountId = current.ledgerAccountId;
  let openingEntryId = current.openingEntryId;
  const now = deps.clock.now();
  if (input.currencyCode !== current.currencyCode) {
    const [{ n }] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledgy_transactions WHERE org_id = $1 AND deleted_at IS NULL AND (account_id = $2 OR to_account_id = $2)`,
      [user.orgId, id],
    );
    if (n > 0) throw new DomainError('conflict', 'the currency of an account with transactions cannot change', 'currencyCode');
    ledgerAccountId = await ledgerAccountFor(deps, tx, user, id, input.currencyCode);
  }
  if (input.initialBalance !== current.initialBalance || input.currencyCode !== current.currencyCode) {
    if (openingEntryId) await deps.ledger.reverseEntry(user.orgId, openingEntryId, { effectiveAt: now, description: 'Opening balance changed' }, tx);
    openingEntryId = await postOpening(deps, tx, user, ledgerAccountId, input.currencyCode, input.initialBalance, now);
  }
  const [updated] = await tx.query(
    `UPDATE ledgy_accounts SET name = $3, currency_code = $4, initial_balance = $5, sort_order = $6, icon = $7, color = $8, icon_color = $9,
            ledger_account_id = $10, opening_entry_id = $11, updated_at = $12
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [user.orgId, id, input.name, input.currencyCode, input.initialBalance.toString(), input.order, input.icon ?? null, input.color ?? null, input.iconColor ?? null, ledgerAccountId, openingEntryId, now],
  );
  // As the write's own transaction sees it: the opening entry just posted is included.
  const balance = (await deps.ledger.getAccounts(user.orgId, [ledgerAccountId], tx)).get(ledgerAccountId)?.balance ?? 0n;
  return { ...toRow(updated), currentBalance: balance };
}

export type DeleteAction = 'Detach' | 'Move' | 'DeleteAll';

/**
 * Soft-deletes an account. Its transactions are detached (their entries
 * re-posted against "unassigned"), moved to another live account of the user (re-posted
 * there; a transfer between the two is removed, as it would go from an account to itself),
 * or soft-deleted (reversed). The opening balance is reversed.
 */
export async function deleteAccount(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, action: DeleteAction, moveTargetId: string | null): Promise<void> {
  const account = await accountRow(tx, user, id, undefined, true);
  const now = deps.clock.now();
  if (action === 'Move') {
    if (!moveTargetId) throw new DomainError('validation', 'moveTargetAccountId is required when action=Move', 'moveTargetAccountId');
    if (moveTargetId === id) throw new DomainError('validation', 'moveTargetAccountId must be another account', 'moveTargetAccountId');
    const target = await accountRow(tx, user, moveTargetId, 'moveTargetAccountId');
    if (target.currencyCode !== account.currencyCode) {
      throw new DomainError('validation', 'moveTargetAccountId must have the same currency', 'moveTargetAccountId');
    }
  }
  const linked = await tx.query<{ id: string }>(
    `SELECT id FROM ledgy_transactions WHERE org_id = $1 AND user_id = $2 AND deleted_at IS NULL AND (account_id = $3 OR to_account_id = $3)
     ORDER BY id FOR UPDATE`,
    [user.orgId, user.id, id],
  );
  let ids = linked.map((r) => r.id);
  if (action === 'Move') {
    // A transfer between this account and the target would become one from the target to
    // itself: no money moves any more, so it is removed (reversed and soft-deleted).
    const between = await tx.query<{ id: string }>(
      `SELECT id FROM ledgy_transactions WHERE org_id = $1 AND id = ANY($2::uuid[]) AND type = 'transfer'
          AND ((account_id = $3 AND to_account_id = $4) OR (account_id = $4 AND to_account_id = $3))`,
      [user.orgId, ids, id, moveTargetId],
    );
    const removed = new Set(await softDeleteTransactions(deps, tx, user, between.map((r) => r.id)));
    ids = ids.filter((x) => !removed.has(x));
  }
  if (action === 'DeleteAll') {
    await softDeleteTransactions(deps, tx, user, ids);
  } else {
    const target = action === 'Move' ? moveTargetId : null;
    await tx.query(
      `UPDATE ledgy_transactions SET
          account_id = CASE WHEN account_id = $3 THEN $4::uuid ELSE account_id END,
          to_account_id = CASE WHEN to_account_id = $3 THEN $4::uuid ELSE to_account_id END,
          updated_at = $5
        WHERE org_id = $1 AND id = ANY($2::uuid[])`,
      [user.orgId, ids, id, target, now],
    );
    await rebuildEntries(deps, tx, user, ids);
  }
  if (account.openingEntryId) await deps.ledger.reverseEntry(user.orgId, account.openingEntryId, { effectiveAt: now, description: 'Account deleted' }, tx);
  await tx.query('UPDATE ledgy_accounts SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}
