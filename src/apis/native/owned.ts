import type { LedgerEngine } from '../../ledger/engine.ts';
import type { Account, Entry } from '../../ledger/types.ts';
import { notFound } from '../../platform/errors.ts';
import { idFrom } from './views.ts';

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

/** The uuid of the native ledger named by `text` (an `ldg_…` id); 404, naming `field`, for anything else. */
export async function nativeLedgerId(ledger: LedgerEngine, orgId: string, text: string, field?: string): Promise<string> {
  const id = idFrom('ledger', text, field);
  await requireNativeLedgers(ledger, orgId, [id], field === undefined ? undefined : () => field);
  return id;
}

/** The account named by `text` (an `acct_…` id) in a native ledger of the org; 404 for anything else. */
export async function nativeAccount(ledger: LedgerEngine, orgId: string, text: string): Promise<Account> {
  const account = await ledger.getAccount(orgId, idFrom('account', text));
  const owners = await ledger.ledgerOwners(orgId, [account.ledgerId]);
  if (owners.get(account.ledgerId) !== NATIVE_OWNER) throw notFound('account');
  return account;
}

/** The entry named by `text` (an `ent_…` id) in a native ledger of the org; 404 for anything else. */
export async function nativeEntry(ledger: LedgerEngine, orgId: string, text: string): Promise<Entry> {
  const entry = await ledger.getEntry(orgId, idFrom('entry', text));
  const owners = await ledger.ledgerOwners(orgId, [entry.ledgerId]);
  if (owners.get(entry.ledgerId) !== NATIVE_OWNER) throw notFound('entry');
  return entry;
}
