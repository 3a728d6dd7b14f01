import type { LedgerEngine } from '../../ledger/engine.ts';
import type { Account, Entry } from '../../ledger/types.ts';
import { notFound } from '../../platform/errors.ts';

/**
 * The native API reaches only the ledgers it made (owner `kontor`): another surface's ledger
 * in the same org (Ledgy's users, MyCFO's workspaces), its accounts and its entries are
 * "not found" to a native key, as another org's are.
 */
export const NATIVE_OWNER = 'kontor';

/** Refuses (404, naming `field`) unless every ledger id is a native ledger of the org. */
export async function requireNativeLedgers(ledger: LedgerEngine, orgId: string, ids: string[], field?: (index: number) => string): Promise<void> {
  const owners = await ledger.ledgerOwners(orgId, [...new Set(ids)]);
  ids.forEach((id, i) => {
    if (owners.get(id) !== NATIVE_OWNER) throw notFound('ledger', field?.(i));
  });
}

export async function nativeAccount(ledger: LedgerEngine, orgId: string, id: string): Promise<Account> {
  const account = await ledger.getAccount(orgId, id);
  const owners = await ledger.ledgerOwners(orgId, [account.ledgerId]);
  if (owners.get(account.ledgerId) !== NATIVE_OWNER) throw notFound('account');
  return account;
}

export async function nativeEntry(ledger: LedgerEngine, orgId: string, id: string): Promise<Entry> {
  const entry = await ledger.getEntry(orgId, id);
  const owners = await ledger.ledgerOwners(orgId, [entry.ledgerId]);
  if (owners.get(entry.ledgerId) !== NATIVE_OWNER) throw notFound('entry');
  return entry;
}
