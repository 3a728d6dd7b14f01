import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LedgerEngine } from '../../src/ledger/engine.ts';
import { ledgyDeps, type LedgyDeps } from '../../src/ledgy/deps.ts';
import { hashPassword } from '../../src/platform/identity/passwords.ts';
import { createTransaction } from '../../src/ledgy/transactions.ts';
import { inSavepoint } from '../../src/ledgy/savepoint.ts';
import { registerLedgyUser } from '../../src/ledgy/users.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db.ts';
import { openTestDb } from '../helpers/db.ts';

let db: Db;
let deps: LedgyDeps;
before(async () => {
  db = await openTestDb();
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  deps = ledgyDeps({ db, clock, ledger: new LedgerEngine(db, clock) }, 14);
});
after(() => db.close());

test('a system account made by a transaction that rolls back is not remembered', async () => {
  const passwordHash = await hashPassword('correct horse');
  const user = await db.transaction((tx) => registerLedgyUser(deps, tx, { email: 'books@ledgy.test', passwordHash, name: 'Books', primaryCurrency: 'EUR' }));
  let rolledBack = '';
  await assert.rejects(
    db.transaction(async (tx) => {
      rolledBack = await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'expense', 'CHF');
      // Asked again in the same transaction: the same (uncommitted) account.
      assert.equal(await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'expense', 'CHF'), rolledBack);
      throw new Error('abort');
    }),
    /abort/,
  );
  // The next expense in CHF makes the account again and posts to it.
  const row = await db.transaction((tx) => createTransaction(deps, tx, user, { type: 'expense', amount: 12_5000n, currencyCode: 'CHF', date: new Date('2026-02-27T00:00:00Z') }));
  const [entryAccount] = await db.query<{ account_id: string }>(
    `SELECT p.account_id FROM postings p JOIN accounts a ON a.org_id = p.org_id AND a.id = p.account_id
      JOIN ledgy_transactions t ON t.org_id = p.org_id AND t.entry_id = p.entry_id
     WHERE t.id = $1 AND a.code = '_expense:CHF'`,
    [row.id],
  );
  assert.ok(entryAccount);
  assert.notEqual(entryAccount.account_id, rolledBack);
  // Once it exists, every later transaction finds the same one.
  const again = await db.transaction((tx) => deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'expense', 'CHF'));
  assert.equal(again, entryAccount.account_id);
});

test('a system account made inside a savepoint that is rolled back is forgotten with it', async () => {
  const passwordHash = await hashPassword('correct horse');
  const user = await db.transaction((tx) => registerLedgyUser(deps, tx, { email: 'savepoint@ledgy.test', passwordHash, name: 'Savepoint', primaryCurrency: 'EUR' }));
  const row = await db.transaction(async (tx) => {
    // Made before the savepoint: kept through it.
    const kept = await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'income', 'SEK');
    let undone = '';
    await assert.rejects(
      inSavepoint(tx, deps.systemAccounts, async () => {
        undone = await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'expense', 'SEK');
        throw new Error('row refused');
      }),
      /row refused/,
    );
    assert.equal(await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'income', 'SEK'), kept);
    // The expense account went with the savepoint: asked again, it is made again, and posting to it works.
    const again = await deps.systemAccounts.id(tx, user.orgId, user.ledgerId, 'expense', 'SEK');
    assert.notEqual(again, undone);
    return createTransaction(deps, tx, user, { type: 'expense', amount: 1_0000n, currencyCode: 'SEK', date: new Date('2026-02-27T00:00:00Z') });
  });
  assert.ok(row.id);
});
