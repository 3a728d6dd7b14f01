import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { ensureCompany, listChart, listVatCodes, type ChartAccount, type VatCode } from '../../src/ledgerbee/company-store.ts';
import { postJournalEntries, type JournalEntryInput } from '../../src/ledgerbee/journal.ts';
import { normalSign } from '../../src/ledger/types.ts';
import { createCustomer } from '../../src/ledgerbee/customer-store.ts';
import { createVendor } from '../../src/ledgerbee/vendor-store.ts';
import { listGroups } from '../../src/ledgerbee/party-groups.ts';

/*
 * Random batches of journal entries with VAT codes (every seeded code, both principles,
 * reverse charge, exempt; customer and supplier entries whose control line the server adds;
 * plain entries balanced by a bank line) keep the company's trial balance at zero, and each VAT
 * account's balance equal to the VAT of the lines booked to it, which the test recomputes
 * itself (25 %: Gross a/5, Net a/4, halves away from zero).
 */

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/** |a| / d rounded half away from zero, with a's sign (d > 0). */
const rounded = (a: bigint, d: bigint) => (a < 0n ? -1n : 1n) * ((2n * (a < 0n ? -a : a) + d) / (2n * d));
const expectedVat = (amount: bigint, code: VatCode) => (code.rateBp === 0 ? 0n : code.principle === 'Gross' && code.type !== 'EU_PURCHASE_REVERSE_CHARGE' ? rounded(amount, 5n) : rounded(amount, 4n));

test('random batches with VAT codes: trial balance zero, VAT accounts equal the lines VAT', async () => {
  const org = await createOrg(t.db, t.clock, { name: 'Property ApS' });
  const deps = { db: t.db, clock: t.clock, ledger: t.core.ledger };
  await t.db.transaction((tx) => ensureCompany(deps, tx, org.id));
  const chart = await listChart(t.db, org.id);
  const byNumber = (n: number) => chart.find((a) => a.number === n)!;
  const codes = await listVatCodes(t.db, org.id);
  const postable = chart.filter((a) => (a.ledgerType === 'PROFIT_AND_LOSS' || a.ledgerType === 'BALANCE_SHEET') && !a.control && !codes.some((c) => c.accountId === a.id || c.contraAccountId === a.id));
  const vatAccounts = [...new Set(codes.flatMap((c) => [c.accountId, c.contraAccountId]).filter((id): id is string => id !== null))];
  const expected = new Map<string, bigint>(vatAccounts.map((id) => [id, 0n]));
  // The company's own customer and vendor (entries' customerId / vendorId are checked).
  const customerId = (await t.db.transaction((tx) => createCustomer(tx, org.id, { name: 'Kunde' }, t.clock.now()))).id;
  const [vendorGroup] = await listGroups(t.db, 'vendor', org.id);
  const vendorId = (await t.db.transaction((tx) => createVendor(tx, org.id, { vendorNumber: 'L1', name: 'Leverandør', vendorGroupId: vendorGroup.id, contacts: [{ name: 'L' }] }, t.clock.now(), { defaultCurrency: 'DKK', accountExists: async () => true }))).id;

  const line = fc.record({ account: fc.constantFrom(...postable), amount: fc.bigInt({ min: -10_000_000n, max: 10_000_000n }).filter((a) => a !== 0n), code: fc.constantFrom(...codes) });
  const entry = fc.record({ kind: fc.constantFrom('JOURNAL_ENTRY', 'CUSTOMER_INVOICE', 'SUPPLIER_INVOICE'), lines: fc.array(line, { minLength: 1, maxLength: 4 }), day: fc.integer({ min: 1, max: 28 }) });

  await fc.assert(
    fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (batch) => {
      const inputs: JournalEntryInput[] = batch.map((e) => {
        // A plain entry balances by a bank line, so it may carry only codes that leave its total as sent.
        const lines = e.lines.map((l) => ({ l, code: e.kind === 'JOURNAL_ENTRY' && l.code.principle === 'Net' && l.code.type !== 'EU_PURCHASE_REVERSE_CHARGE' && l.code.rateBp > 0 ? null : l.code }));
        const input: JournalEntryInput = {
          entryType: e.kind as JournalEntryInput['entryType'],
          date: `2026-07-${String(e.day).padStart(2, '0')}`,
          lines: lines.map(({ l, code }) => ({ accountId: l.account.id, amount: l.amount, vatCodeId: code?.id ?? null })),
          customerId: e.kind === 'CUSTOMER_INVOICE' ? customerId : null,
          vendorId: e.kind === 'SUPPLIER_INVOICE' ? vendorId : null,
        };
        const sum = e.lines.reduce((s, l) => s + l.amount, 0n);
        if (e.kind === 'JOURNAL_ENTRY' && sum !== 0n) input.lines.push({ accountId: byNumber(5400).id, amount: -sum });
        return input;
      });
      let posted;
      try {
        posted = await t.db.transaction((tx) => postJournalEntries(deps, tx, org.id, inputs));
      } catch (error: any) {
        // The only refusal random input may meet: an entry whose postings all cancel out.
        assert.match(String(error.message), /posts nothing|cancel/);
        return;
      }
      for (const entry of posted) {
        for (const l of entry.lines) {
          if (!l.vatCodeId) continue;
          const code = codes.find((c) => c.id === l.vatCodeId)!;
          assert.equal(l.vatAmount, expectedVat(l.amount, code), `${code.code} on ${l.amount}`);
          if (!code.accountId || l.vatAmount === 0n) continue;
          expected.set(code.accountId, expected.get(code.accountId)! + l.vatAmount);
          if (code.contraAccountId) expected.set(code.contraAccountId, expected.get(code.contraAccountId)! - l.vatAmount);
        }
      }
      const accounts = await t.core.ledger.getAccounts(org.id, chart.filter((a) => a.classification !== null).map((a: ChartAccount) => a.id));
      let trial = 0n;
      for (const a of accounts.values()) trial += a.balance * normalSign(a.type);
      assert.equal(trial, 0n, 'the trial balance is zero');
      for (const id of vatAccounts) assert.equal(accounts.get(id)!.balance * normalSign(accounts.get(id)!.type), expected.get(id), `VAT account ${chart.find((a) => a.id === id)!.number}`);
    }),
    { numRuns: 40, seed: 15 },
  );
});
