import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.ts';
import { billingApp, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import { setProviderAccount } from '../../../src/billing/providers/accounts.ts';
import { bookBalances } from '../../../src/billing/books.ts';

/*
 * A year of one sandbox subscription under the test clock (issue 14's test): usage priced by
 * graduated tiers, a plan change prorated mid-period, a pause and resume, a coupon, customer
 * credit, a declined then recovered automatic collection, and a cancel at period end. Every
 * figure below is worked by hand from the notes (billing.md) and decisions 0011, 0019, 0022
 * and 0027, never by the code under test; the arithmetic is in the comments.
 *
 * Plans (usd, monthly, feature api_calls, graduated tiers, allowance = the first free band):
 *   Basic: base 2000; allowance 1000; tiers ≤1000 @ 0, ≤5000 @ 2, ∞ @ 1.
 *   Pro:   base 5000; allowance 2000; tiers ≤2000 @ 0, ≤10000 @ 2, ∞ @ 1.
 * Tax: the app's default rate 10 % on the net (subtotal − discount), halves away from zero.
 * Periods start 1 Jan 2025 00:00 UTC; each invoice is made when its period ends and finalised
 * and charged by the same advance (numbers INV-2025-0001…, consecutive).
 */
let t: TestApp;
let stripe: FakeStripe;
let close: () => Promise<void>;
before(async () => ({ t, stripe, close } = await startWithFakeProviders()));
after(() => close());

const ladder = (bands: [number, number][]) => bands.map(([up_to, unit]) => ({ feature_key: 'api_calls', type: 'graduated', up_to, unit_amount: { amount: unit, currency: 'usd' } }));
const plan = (name: string, base: number, allowance: number, bands: [number, number][]) => ({
  name,
  slug: name.toLowerCase(),
  currency: 'usd',
  status: 'active',
  features: [{ key: 'api_calls', name: 'API Calls', type: 'metered', limit: allowance, period: 'monthly' }],
  pricing: { base_amount: { amount: base }, billing_period: 'monthly', tiers: ladder(bands) },
});

/** An invoice as [type, description, quantity, amount] lines and its figures. */
const shape = (i: any) => ({
  number: i.number,
  period: [i.period_start.slice(0, 10), i.period_end.slice(0, 10)],
  lines: i.line_items.map((l: any) => [l.type, l.description, l.quantity, l.amount.amount]),
  subtotal: i.subtotal.amount,
  discount: i.discount_amount.amount,
  tax: i.tax_amount.amount,
  total: i.total.amount,
  credit: i.credit_applied.amount,
  due: i.amount_due.amount,
  status: i.status,
});

test('a year of one subscription: every invoice and the books match the hand-worked figures', async () => {
  t.clock.set('2025-01-01T00:00:00.000Z');
  const app = await billingApp(t, { mode: 'sandbox' });
  const scope = { orgId: app.orgId, mode: 'sandbox' as const };
  await t.db.transaction((tx) => setProviderAccount(tx, scope, { provider: 'stripe', apiKey: stripe.key, webhookSecret: 'whsec_x' }, t.clock.now()));
  assert.equal((await app.call('PUT', '/ledger/tax-settings', { default_rate: '10' })).statusCode, 200);
  const basic = await app.made('/ledger/plans', plan('Basic', 2000, 1000, [[1000, 0], [5000, 2], [-1, 1]]));
  const pro = await app.made('/ledger/plans', plan('Pro', 5000, 2000, [[2000, 0], [10000, 2], [-1, 1]]));
  const customer = await app.made('/ledger/customers', { name: 'Year Co', email: `year-${app.orgId}@example.com` }, { 'x-tenant-id': 'year' });
  await app.made('/ledger/payment-methods', { customer_id: customer.id, token: 'tok_visa', set_default: true });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'year', plan_id: basic.id });
  assert.deepEqual([sub.status, sub.current_period_start, sub.current_period_end], ['active', '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);

  const to = async (iso: string) => {
    const res = await app.call('POST', '/ledger/test-clock/advance', { to: iso });
    assert.equal(res.statusCode, 200, res.body);
  };
  const use = async (quantity: number, at: string) => {
    const res = await app.as('year')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity, timestamp: at });
    assert.equal(res.statusCode, 202, res.body);
  };
  const invoices = async () => (await app.call('GET', '/ledger/invoices?limit=100')).json().data.reverse().map(shape);
  const subscription = async () => (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
  const balance = async (code: string) => (await bookBalances(t.core.ledger, t.db, scope, code)).get(code) ?? 0n;
  const receivable = `receivable:${customer.id}:usd`;

  // --- January on Basic: 3000 calls.
  await to('2025-01-15T00:00:00.000Z');
  await use(3000, '2025-01-15T00:00:00.000Z');
  await to('2025-02-01T00:01:00.000Z');
  // INV-2025-0001, Jan: base 2000; overage 3000 − 1000 = 2000 calls, priced
  // price(3000) − price(1000) = (1000×0 + 2000×2) − 0 = 4000; subtotal 2000 + 4000 = 6000;
  // tax 10 % × 6000 = 600; total 6600; charged to the visa card at once: paid.
  const inv1 = { number: 'INV-2025-0001', period: ['2025-01-01', '2025-02-01'], lines: [['base', 'Base subscription fee', 1, 2000], ['overage', 'API Calls overage', 2000, 4000], ['tax', 'Tax', 1, 600]], subtotal: 6000, discount: 0, tax: 600, total: 6600, credit: 0, due: 6600, status: 'paid' };
  assert.deepEqual(await invoices(), [inv1]);

  // --- February: 1000 calls on Basic, a change to Pro on the 15th, 2500 calls on Pro.
  await to('2025-02-10T00:00:00.000Z');
  await use(1000, '2025-02-10T00:00:00.000Z');
  await to('2025-02-15T00:00:00.000Z');
  const changed = await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id }, {}, 200);
  assert.equal(changed.current_period_end, '2025-03-01T00:00:00.000Z');
  await to('2025-02-20T00:00:00.000Z');
  await use(2500, '2025-02-20T00:00:00.000Z');
  await to('2025-03-01T00:01:00.000Z');
  // INV-2025-0002, Feb (28 days = 2 419 200 s; 15 Feb → 1 Mar = 1 209 600 s left, exactly half):
  // base of the plan in force when the period began, Basic 2000; usage 1000 + 2500 = 3500
  // priced by Pro (the plan at the period's end): 3500 − 2000 = 1500 calls,
  // price(3500) − price(2000) = 1500×2 = 3000; proration: unused Basic −2000×½ = −1000,
  // remaining Pro +5000×½ = +2500; subtotal 2000 + 3000 − 1000 + 2500 = 6500; tax 650;
  // total 7150; paid by card.
  const inv2 = {
    number: 'INV-2025-0002',
    period: ['2025-02-01', '2025-03-01'],
    lines: [['base', 'Base subscription fee', 1, 2000], ['overage', 'API Calls overage', 1500, 3000], ['proration', 'Unused time on Basic', 1, -1000], ['proration', 'Remaining time on Pro', 1, 2500], ['tax', 'Tax', 1, 650]],
    subtotal: 6500, discount: 0, tax: 650, total: 7150, credit: 0, due: 7150, status: 'paid',
  };
  assert.deepEqual((await invoices()).slice(1), [inv2]);

  // --- March: a 10 % coupon (every invoice from now on) and 3000 of credit.
  await app.made('/ledger/coupons', { code: 'TENOFF', name: 'Ten off', type: 'percentage', percentage: 10 });
  await to('2025-03-05T00:00:00.000Z');
  assert.equal((await app.call('POST', '/ledger/coupons/TENOFF/redeem', { subscription_id: sub.id })).statusCode, 200);
  await to('2025-03-10T00:00:00.000Z');
  await app.made(`/ledger/customers/${customer.id}/credit`, { amount: { amount: 3000, currency: 'usd' }, reason: 'Goodwill' }, {}, 200);
  assert.equal(await balance(`customer_credit:${customer.id}:usd`), 3000n);
  await to('2025-04-01T00:01:00.000Z');
  // INV-2025-0003, Mar: base Pro 5000; discount 10 % × 5000 = 500; net 4500; tax 450;
  // total 4950; credit applied min(4950, 3000) = 3000; due 4950 − 3000 = 1950, paid by card.
  const inv3 = {
    number: 'INV-2025-0003',
    period: ['2025-03-01', '2025-04-01'],
    lines: [['base', 'Base subscription fee', 1, 5000], ['discount', 'Discount TENOFF', 1, -500], ['tax', 'Tax', 1, 450], ['credit', 'Customer credit applied', 1, -3000]],
    subtotal: 5000, discount: 500, tax: 450, total: 4950, credit: 3000, due: 1950, status: 'paid',
  };
  assert.deepEqual((await invoices()).slice(2), [inv3]);
  assert.equal(await balance(`customer_credit:${customer.id}:usd`), 0n);

  // --- April: 4000 calls, paused 11 Apr – 1 May (20 days): the period's end moves 1 May → 21 May.
  await to('2025-04-05T00:00:00.000Z');
  await use(4000, '2025-04-05T00:00:00.000Z');
  await to('2025-04-11T00:00:00.000Z');
  assert.equal((await app.made(`/ledger/subscriptions/${sub.id}/pause`, {}, {}, 200)).status, 'paused');
  await to('2025-05-01T00:00:00.000Z');
  assert.equal((await invoices()).length, 3, 'a paused subscription is not invoiced');
  const resumed = await app.made(`/ledger/subscriptions/${sub.id}/resume`, {}, {}, 200);
  assert.deepEqual([resumed.status, resumed.current_period_start, resumed.current_period_end], ['active', '2025-04-01T00:00:00.000Z', '2025-05-21T00:00:00.000Z']);

  // --- 21 May: the card now declines; the period-end charge fails, a retry a day later on a new card succeeds.
  await to('2025-05-20T00:00:00.000Z');
  await app.made('/ledger/payment-methods', { customer_id: customer.id, token: 'tok_chargeDeclined', set_default: true });
  await to('2025-05-21T00:01:00.000Z');
  // INV-2025-0004, 1 Apr – 21 May: base 5000 (the whole, lengthened period); 4000 − 2000 =
  // 2000 calls, price(4000) − price(2000) = 2000×2 = 4000; subtotal 9000; discount 900;
  // net 8100; tax 810; total 8910, all due; declined: past_due, and the subscription too.
  const inv4 = {
    number: 'INV-2025-0004',
    period: ['2025-04-01', '2025-05-21'],
    lines: [['base', 'Base subscription fee', 1, 5000], ['overage', 'API Calls overage', 2000, 4000], ['discount', 'Discount TENOFF', 1, -900], ['tax', 'Tax', 1, 810]],
    subtotal: 9000, discount: 900, tax: 810, total: 8910, credit: 0, due: 8910, status: 'past_due',
  };
  assert.deepEqual((await invoices()).slice(3), [inv4]);
  assert.equal((await subscription()).status, 'past_due');
  assert.equal(await balance(receivable), 8910n);
  // Cash so far: 6600 + 7150 + 1950 = 15700.
  assert.equal(await balance('cash:stripe:usd'), 15700n);
  await app.made('/ledger/payment-methods', { customer_id: customer.id, token: 'tok_visa', set_default: true });
  await to('2025-05-22T00:02:00.000Z');
  assert.deepEqual((await invoices()).slice(3), [{ ...inv4, status: 'paid' }]);
  assert.equal((await subscription()).status, 'active');
  const payments = (await app.call('GET', '/ledger/payments?limit=100')).json().data.reverse();
  assert.deepEqual(
    payments.map((p: any) => [p.amount.amount, p.status, p.collection_attempt]),
    [[6600, 'succeeded', 1], [7150, 'succeeded', 1], [1950, 'succeeded', 1], [8910, 'failed', 1], [8910, 'succeeded', 2]],
  );
  assert.equal(await balance(receivable), 0n);
  // 15700 + 8910 = 24610.
  assert.equal(await balance('cash:stripe:usd'), 24610n);

  // --- The rest of the year on the 21st; 12000 calls on 1 Jul; cancel at period end on 1 Dec.
  await to('2025-07-01T00:00:00.000Z');
  await use(12000, '2025-07-01T00:00:00.000Z');
  await to('2025-12-01T00:00:00.000Z');
  const canceling = await app.made(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: false }, {}, 200);
  assert.deepEqual([canceling.status, canceling.cancel_at], ['active', '2025-12-21T00:00:00.000Z']);
  // Finalised by the advance that passes the period's end, so in 2025 (an advance straight to
  // 2026 would finalise it, and number it, in 2026: decision 0019, the year of finalisation).
  await to('2025-12-21T00:01:00.000Z');
  assert.equal((await subscription()).status, 'canceled');
  await to('2026-01-01T00:00:00.000Z');
  // Plain months: base 5000; discount 500; net 4500; tax 450; total 4950, paid by card.
  const plain = (n: number, from: string, until: string) => ({
    number: `INV-2025-${String(n).padStart(4, '0')}`,
    period: [from, until],
    lines: [['base', 'Base subscription fee', 1, 5000], ['discount', 'Discount TENOFF', 1, -500], ['tax', 'Tax', 1, 450]],
    subtotal: 5000, discount: 500, tax: 450, total: 4950, credit: 0, due: 4950, status: 'paid',
  });
  // INV-2025-0006, 21 Jun – 21 Jul: 12000 − 2000 = 10000 calls,
  // price(12000) − price(2000) = 8000×2 + 2000×1 = 18000; subtotal 5000 + 18000 = 23000;
  // discount 2300; net 20700; tax 2070; total 22770.
  const inv6 = {
    number: 'INV-2025-0006',
    period: ['2025-06-21', '2025-07-21'],
    lines: [['base', 'Base subscription fee', 1, 5000], ['overage', 'API Calls overage', 10000, 18000], ['discount', 'Discount TENOFF', 1, -2300], ['tax', 'Tax', 1, 2070]],
    subtotal: 23000, discount: 2300, tax: 2070, total: 22770, credit: 0, due: 22770, status: 'paid',
  };
  assert.deepEqual((await invoices()).slice(4), [
    plain(5, '2025-05-21', '2025-06-21'),
    inv6,
    plain(7, '2025-07-21', '2025-08-21'),
    plain(8, '2025-08-21', '2025-09-21'),
    plain(9, '2025-09-21', '2025-10-21'),
    plain(10, '2025-10-21', '2025-11-21'),
    // The last period, ended by the scheduled cancel; nothing after it.
    plain(11, '2025-11-21', '2025-12-21'),
  ]);

  // The books at the end of the year.
  // Totals: 6600 + 7150 + 4950 + 8910 + 4950 + 22770 + 5 × 4950 = 80080.
  // Cash: every amount due, 80080 − 3000 of credit = 77080; nothing owed.
  assert.equal(await balance(receivable), 0n);
  assert.equal(await balance('cash:stripe:usd'), 77080n);
  // Credit: 3000 granted (credit_grants, an expense), all applied to INV-0003.
  assert.equal(await balance(`customer_credit:${customer.id}:usd`), 0n);
  assert.equal(await balance('credit_grants:usd'), 3000n);
  // Plan revenue. Basic: 2000 (Jan) + 2000 (Feb base) − 1000 (unused) = 3000.
  // Pro: 2500 (Feb remaining) + 9 × 5000 (Mar … Nov-Dec) = 47500.
  assert.equal(await balance(`revenue:plan:${basic.id}:usd`), 3000n);
  assert.equal(await balance(`revenue:plan:${pro.id}:usd`), 47500n);
  // Usage revenue, by the plan that priced it: Basic 4000 (Jan); Pro 3000 + 4000 + 18000 = 25000.
  assert.equal(await balance(`revenue:feature:${basic.id}:api_calls:usd`), 4000n);
  assert.equal(await balance(`revenue:feature:${pro.id}:api_calls:usd`), 25000n);
  // Discounts (contra-revenue, a debit): 500 + 900 + 500 + 2300 + 5 × 500 = 6700.
  assert.equal(await balance('revenue:discounts:usd'), -6700n);
  // Tax: 600 + 650 + 450 + 810 + 450 + 2070 + 5 × 450 = 7280.
  assert.equal(await balance('tax_payable:usd'), 7280n);
  // Every period was invoiced after it ended: nothing deferred.
  assert.equal(await balance(`deferred_revenue:plan_${pro.id.slice(5)}:usd`), 0n);
  // Revenue 3000 + 47500 + 4000 + 25000 − 6700 = 72800, plus tax 7280 = 80080 = the totals
  // = receivable 0 + cash 77080 + credit applied 3000.
});

test('a change to another billing period after a change within the period: the cut period is billed the base fee of the plan it began on', async () => {
  t.clock.set('2025-02-01T00:00:00.000Z');
  const app = await billingApp(t, { mode: 'sandbox' });
  const basic = await app.made('/ledger/plans', plan('Basic', 2000, 1000, [[1000, 0], [-1, 1]]));
  const pro = await app.made('/ledger/plans', plan('Pro', 5000, 2000, [[2000, 0], [-1, 1]]));
  const annual = await app.made('/ledger/plans', { ...plan('Annual', 49900, 2000, [[2000, 0], [-1, 1]]), pricing: { base_amount: { amount: 49900 }, billing_period: 'yearly' } });
  await app.made('/ledger/customers', { name: 'Switch Co', email: `switch-${app.orgId}@example.com` }, { 'x-tenant-id': 'switch' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'switch', plan_id: basic.id });
  const to = async (iso: string) => assert.equal((await app.call('POST', '/ledger/test-clock/advance', { to: iso })).statusCode, 200);
  await to('2025-02-08T00:00:00.000Z');
  await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id }, {}, 200);
  await to('2025-02-15T00:00:00.000Z');
  const changed = await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: annual.id }, {}, 200);
  assert.deepEqual([changed.current_period_start, changed.current_period_end], ['2025-02-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z']);
  await to('2025-02-15T00:01:00.000Z');
  const [invoice] = (await app.call('GET', '/ledger/invoices')).json().data.map(shape);
  // 1–15 Feb, cut by the change to a yearly plan (Feb: 2 419 200 s). 8 Feb, Basic → Pro with
  // 21 of 28 days left: −2000×¾ = −1500, +5000×¾ = +3750. 15 Feb, Pro → Annual with 14 days
  // left: −5000×½ = −2500 (only the credit: the yearly period starts now). The base fee is
  // Basic's, the plan the period began on (0011, 0019): 2000 − 1500 + 3750 − 2500 = 1750,
  // which is 7 days of Basic (500) + 7 days of Pro (1250).
  assert.deepEqual(invoice, {
    number: 'INV-2025-0001',
    period: ['2025-02-01', '2025-02-15'],
    lines: [['base', 'Base subscription fee', 1, 2000], ['proration', 'Unused time on Basic', 1, -1500], ['proration', 'Remaining time on Pro', 1, 3750], ['proration', 'Unused time on Pro', 1, -2500]],
    subtotal: 1750, discount: 0, tax: 0, total: 1750, credit: 0, due: 1750, status: 'pending',
  });
});

test('a plan change is billed once when one advance ends several periods, and a change of billing period as a period begins credits nothing', async () => {
  t.clock.set('2025-02-01T00:00:00.000Z');
  const app = await billingApp(t, { mode: 'sandbox' });
  const basic = await app.made('/ledger/plans', plan('Basic', 2000, 1000, [[1000, 0], [-1, 1]]));
  const pro = await app.made('/ledger/plans', plan('Pro', 5000, 2000, [[2000, 0], [-1, 1]]));
  const annual = await app.made('/ledger/plans', { ...plan('Annual', 49900, 2000, [[2000, 0], [-1, 1]]), pricing: { base_amount: { amount: 49900 }, billing_period: 'yearly' } });
  await app.made('/ledger/customers', { name: 'Twice Co', email: `twice-${app.orgId}@example.com` }, { 'x-tenant-id': 'twice' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'twice', plan_id: basic.id });
  const to = async (iso: string) => assert.equal((await app.call('POST', '/ledger/test-clock/advance', { to: iso })).statusCode, 200);
  await to('2025-02-15T00:00:00.000Z');
  await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id }, {}, 200);
  // One advance past the ends of February and March.
  await to('2025-04-01T00:00:00.000Z');
  const list = async () => (await app.call('GET', '/ledger/invoices')).json().data.reverse().map(shape);
  // Feb (half left on the 15th): Basic 2000 − 1000 + 2500 = 3500. Mar: Pro 5000, nothing more.
  assert.deepEqual((await list()).map((i: any) => [i.period, i.lines, i.total]), [
    [['2025-02-01', '2025-03-01'], [['base', 'Base subscription fee', 1, 2000], ['proration', 'Unused time on Basic', 1, -1000], ['proration', 'Remaining time on Pro', 1, 2500]], 3500],
    [['2025-03-01', '2025-04-01'], [['base', 'Base subscription fee', 1, 5000]], 5000],
  ]);
  // To the yearly plan at the instant April begins: April is cut to nothing, so nothing of
  // Pro's April fee was billed and none is credited; the year starts now.
  const changed = await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: annual.id }, {}, 200);
  assert.deepEqual([changed.current_period_start, changed.current_period_end], ['2025-04-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
  const pending = await t.db.query(`SELECT amount FROM billing_pending_lines WHERE org_id = $1 AND invoice_id IS NULL`, [app.orgId]);
  assert.deepEqual(pending, []);
  await to('2026-04-01T00:01:00.000Z');
  // The year: Annual 49900, no credit line.
  assert.deepEqual((await list()).slice(2).map((i: any) => [i.period, i.lines, i.total]), [[['2025-04-01', '2026-04-01'], [['base', 'Base subscription fee', 1, 49900]], 49900]]);
});

test('a pause after a plan change moves the period end, and the period is still billed the base fee of the plan it began on', async () => {
  t.clock.set('2025-02-01T00:00:00.000Z');
  const app = await billingApp(t, { mode: 'sandbox' });
  const basic = await app.made('/ledger/plans', plan('Basic', 2000, 1000, [[1000, 0], [-1, 1]]));
  const pro = await app.made('/ledger/plans', plan('Pro', 5000, 2000, [[2000, 0], [-1, 1]]));
  await app.made('/ledger/customers', { name: 'Pause Co', email: `pause-${app.orgId}@example.com` }, { 'x-tenant-id': 'pause' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'pause', plan_id: basic.id });
  const to = async (iso: string) => assert.equal((await app.call('POST', '/ledger/test-clock/advance', { to: iso })).statusCode, 200);
  await to('2025-02-15T00:00:00.000Z');
  await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id }, {}, 200);
  await to('2025-02-20T00:00:00.000Z');
  await app.made(`/ledger/subscriptions/${sub.id}/pause`, {}, {}, 200);
  await to('2025-02-27T00:00:00.000Z');
  assert.equal((await app.made(`/ledger/subscriptions/${sub.id}/resume`, {}, {}, 200)).current_period_end, '2025-03-08T00:00:00.000Z');
  await to('2025-03-08T00:01:00.000Z');
  const [invoice] = (await app.call('GET', '/ledger/invoices')).json().data.map(shape);
  // 1 Feb – 8 Mar (1 Mar moved by the 7-day pause); the change on 15 Feb had half of the
  // then 28-day period left: Basic 2000 − 1000 + 2500 = 3500.
  assert.deepEqual([invoice.period, invoice.lines, invoice.total], [
    ['2025-02-01', '2025-03-08'],
    [['base', 'Base subscription fee', 1, 2000], ['proration', 'Unused time on Basic', 1, -1000], ['proration', 'Remaining time on Pro', 1, 2500]],
    3500,
  ]);
});
