import { prepared, type Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { parseAsset } from '../platform/money.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import type { AccountType, Page } from '../ledger/types.ts';

/** What MyCFO's domain functions use besides the transaction they are handed. */
export interface CfoDeps {
  clock: Clock;
  ledger: LedgerEngine;
  accounts: WorkspaceAccounts;
}

export function cfoDeps(core: { clock: Clock; ledger: LedgerEngine }): CfoDeps {
  return { clock: core.clock, ledger: core.ledger, accounts: new WorkspaceAccounts(core.ledger) };
}

/**
 * The ledger accounts behind a workspace. Revenue and expenses post against the clearing
 * account (cash on hand is a plain workspace field, not ledger data); each metric is the
 * per-day total of one of these accounts.
 */
export const WORKSPACE_ACCOUNTS: Record<string, { name: string; type: AccountType }> = {
  clearing: { name: 'Clearing', type: 'asset' },
  revenue_recurring: { name: 'Recurring revenue', type: 'income' },
  revenue_one_time: { name: 'One-time revenue', type: 'income' },
  refunds: { name: 'Refunds', type: 'income' },
  expense_recurring: { name: 'Recurring expenses', type: 'expense' },
  expense_one_time: { name: 'One-time expenses', type: 'expense' },
};

/**
 * The account ids of workspace ledgers by code, read through the ledger's public
 * `listAccounts`. A workspace's accounts are made with it and never change, so they are
 * kept (bounded) for the life of this instance.
 */
export class WorkspaceAccounts {
  private readonly byLedger = new Map<string, Map<string, string>>();

  constructor(private readonly ledger: LedgerEngine) {}

  async of(orgId: string, ledgerId: string): Promise<Map<string, string>> {
    const key = `${orgId}|${ledgerId}`;
    const hit = this.byLedger.get(key);
    if (hit) return hit;
    const page = await this.ledger.listAccounts(orgId, ledgerId, { limit: 100 });
    const ids = new Map(page.items.map((a) => [a.code, a.id]));
    if (this.byLedger.size > 10_000) this.byLedger.clear();
    this.byLedger.set(key, ids);
    return ids;
  }
}

export interface Workspace {
  orgId: string;
  id: string;
  ledgerId: string;
  name: string;
  currency: string;
  cashOnHandCents: bigint | null;
  createdAt: Date;
}

const toWorkspace = (r: any): Workspace => ({
  orgId: r.org_id,
  id: r.id,
  ledgerId: r.ledger_id,
  name: r.name,
  currency: r.currency,
  cashOnHandCents: r.cash_on_hand_cents,
  createdAt: r.created_at,
});

/** The workspace with its own ledger and that ledger's accounts. */
export async function createWorkspace(
  tx: Queryable,
  deps: Pick<CfoDeps, 'clock' | 'ledger'>,
  orgId: string,
  input: { name: string; cashOnHandCents?: bigint | null; currency?: string },
): Promise<Workspace> {
  const asset = parseAsset(input.currency ?? 'USD', 'currency');
  const id = newId();
  const ledger = await deps.ledger.createLedger(orgId, { name: `workspace:${id}`, owner: 'mycfo' }, tx);
  for (const [code, account] of Object.entries(WORKSPACE_ACCOUNTS)) {
    await deps.ledger.createAccount(orgId, { ledgerId: ledger.id, code, name: account.name, type: account.type, asset }, tx);
  }
  const [row] = await tx.query(
    `INSERT INTO cfo_workspaces (org_id, id, ledger_id, name, currency, cash_on_hand_cents, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [orgId, id, ledger.id, input.name, asset.currency, input.cashOnHandCents?.toString() ?? null, deps.clock.now()],
  );
  return toWorkspace(row);
}

/** Prepared: every workspace route reads its workspace first. */
const GET_WORKSPACE = prepared('SELECT * FROM cfo_workspaces WHERE org_id = $1 AND id = $2');

export async function getWorkspace(db: Queryable, orgId: string, id: string): Promise<Workspace> {
  const [row] = await db.query(GET_WORKSPACE, [orgId, id]);
  if (!row) throw notFound('workspace');
  return toWorkspace(row);
}

/** Newest first; `after` is the id of the last workspace of the previous page. */
export async function listWorkspaces(db: Queryable, orgId: string, page: { limit: number; after: string | null }): Promise<Page<Workspace>> {
  const rows = await db.query(
    `SELECT * FROM cfo_workspaces WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [orgId, page.after, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toWorkspace);
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1].id : null };
}

/** Changes only the fields given; `cashOnHandCents: null` clears the cash. */
export async function updateWorkspace(
  tx: Queryable,
  orgId: string,
  id: string,
  patch: { name?: string; cashOnHandCents?: bigint | null },
): Promise<Workspace> {
  const [row] = await tx.query(
    `UPDATE cfo_workspaces SET
        name = CASE WHEN $3 THEN $4 ELSE name END,
        cash_on_hand_cents = CASE WHEN $5 THEN $6::int8 ELSE cash_on_hand_cents END
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [orgId, id, patch.name !== undefined, patch.name ?? null, patch.cashOnHandCents !== undefined, patch.cashOnHandCents?.toString() ?? null],
  );
  if (!row) throw notFound('workspace');
  return toWorkspace(row);
}

/** Deletes the workspace, its ledger and everything derived from it, all in `tx`. */
export async function deleteWorkspace(tx: Queryable, deps: Pick<CfoDeps, 'ledger'>, orgId: string, id: string, actor: string): Promise<void> {
  const [row] = await tx.query('SELECT ledger_id FROM cfo_workspaces WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
  if (!row) throw notFound('workspace');
  for (const table of ['cfo_transactions', 'cfo_ingests', 'cfo_scenarios', 'cfo_forecasts', 'cfo_alerts']) {
    await tx.query(`DELETE FROM ${table} WHERE org_id = $1 AND workspace_id = $2`, [orgId, id]);
  }
  await deps.ledger.purgeLedger(orgId, row.ledger_id, actor, tx);
  await tx.query('DELETE FROM cfo_workspaces WHERE org_id = $1 AND id = $2', [orgId, id]);
}

/** Thrown when a row's currency is not the workspace's. */
export const currencyMismatch = (field: string, expected: string) =>
  new DomainError('validation', `currency must be the workspace currency ${expected}`, field, { code: 'currency_mismatch' });
