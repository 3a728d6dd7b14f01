// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseFeeFor, buildInvoice, percentOf, unitOf, type Discount, type InvoiceInput } from '../../src/billing/invoice-build.ts';
import { isValidTaxId, parseRate, rateText, taxAmount, taxFor, validateTaxSettings } from '../../src/billing/tax.ts';
import { assertInvoiceCommand, type InvoiceCommand, type InvoiceStatus } from '../../src/billing/invoice-states.ts';
import type { Feature, PriceTier } from '../../src/billing/plans.ts';

const usd = (amount: bigint) => ({ amount, currency: 'usd' });
const period = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-04-01T00:00:00Z') };
const calls: Feature = { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000n, period: 'monthly', softLimit: false, metadata: {} };
const seats: Feature = { key: 'seats', name: 'Team Seats', type: 'seat', limit: 10n, period: 'none', softLimit: false, metadata: {} };
const tier = (featureKey: string, unit: bigint): PriceTier => ({ featureKey, type: 'graduated', upTo: -1n, unitAmount: usd(unit), flatAmount: usd(0n) });
const pricing = (base: bigint, tiers: PriceTier[] = []) => ({ baseAmount: usd(base), billingPeriod: 'monthly' as const, tiers });

function input(base: bigint, extra: Partial<InvoiceInput> = {}): InvoiceInput {
  const plan = { id: 'p1', features: [calls, seats], pricing: pricing(base, [tier('api_calls', 3n), tier('seats', 500n)]) };
  return { period, plan, basePlan: plan, trialEnd: null, usage: new Map(), seats: 0n, pending: [], discounts: [], tax: { ppm: 0, note: 'none' }, ...extra };
}
const summary = (f: ReturnType<typeof buildInvoice>) => ({ subtotal: f.subtotal, discount: f.discount, tax: f.tax, total: f.total });
const tenPercent: Discount = { code: 'TEN', percentOff: 10 };
const fiveDollars: Discount = { code: 'FIVE', amountOff: 500n };

test("the notes' worked figures: 4900 with 10 % off is 490 off, total 4410", () => {
  const f = buildInvoice(input(4900n, { discounts: [tenPercent] }));
  assert.deepEqual(summary(f), { subtotal: 4900n, discount: 490n, tax: 0n, total: 4410n });
  assert.deepEqual(f.lines.map((l) => [l.type, l.description, l.amount]), [['base', 'Base subscription fee', 4900n], ['discount', 'Discount TEN', -490n]]);
});

test("the notes' worked figures: 10 % and $5 are 990 off (percentages on the pre-discount subtotal), total 3910", () => {
  assert.deepEqual(summary(buildInvoice(input(4900n, { discounts: [tenPercent, fiveDollars] }))), { subtotal: 4900n, discount: 990n, tax: 0n, total: 3910n });
  // The order of the coupons does not compound.
  assert.deepEqual(summary(buildInvoice(input(4900n, { discounts: [fiveDollars, tenPercent] }))), { subtotal: 4900n, discount: 990n, tax: 0n, total: 3910n });
});

test("the notes' worked figures: a 10 % coupon then 10 % tax on the net: tax 441, total 4851", () => {
  const f = buildInvoice(input(4900n, { discounts: [tenPercent], tax: { ppm: 100_000, note: 'country:US' } }));
  assert.deepEqual(summary(f), { subtotal: 4900n, discount: 490n, tax: 441n, total: 4851n });
  assert.deepEqual(f.lines.map((l) => l.type), ['base', 'discount', 'tax']);
});

test("the notes' worked figures: 1500 calls with 1000 included at 3¢ → overage qty 500, amount 1500", () => {
  const f = buildInvoice(input(4900n, { usage: new Map([['api_calls', 1500n]]) }));
  const overage = f.lines.find((l) => l.type === 'overage')!;
  assert.deepEqual([overage.description, overage.quantity, overage.unitAmount, overage.amount, overage.featureKey], ['API Calls overage', 500n, 3n, 1500n, 'api_calls']);
  assert.equal(f.subtotal, 6400n);
});

test('lines in the notes order: base, overage, seats, proration, discount, tax; nothing charged within the allowance', () => {
  const f = buildInvoice(
    input(4900n, {
      usage: new Map([['api_calls', 2000n]]),
      seats: 3n,
      pending: [{ description: 'Unused time on Basic', planId: 'p0', amount: -1000n, periodStart: period.start, periodEnd: period.end }],
      discounts: [tenPercent],
      tax: { ppm: 190_000, note: 'country:DE' },
    }),
  );
  assert.deepEqual(f.lines.map((l) => [l.type, l.quantity, l.amount]), [
    ['base', 1n, 4900n],
    ['overage', 1000n, 3000n],
    ['seat', 3n, 1500n],
    ['proration', 1n, -1000n],
    ['discount', 1n, -840n],
    ['tax', 1n, 1436n],
  ]);
  // subtotal 8400, 10 % = 840, net 7560, 19 % = 1436.4 → 1436, total 8996.
  assert.deepEqual(summary(f), { subtotal: 8400n, discount: 840n, tax: 1436n, total: 8996n });
  assert.equal(buildInvoice(input(4900n, { usage: new Map([['api_calls', 1000n]]) })).lines.length, 1);
});

test('discounts never exceed the subtotal; a negative subtotal (plan-change credit) totals 0 and carries the excess to credit', () => {
  assert.deepEqual(summary(buildInvoice(input(300n, { discounts: [fiveDollars] }))), { subtotal: 300n, discount: 300n, tax: 0n, total: 0n });
  const f = buildInvoice(input(1000n, { pending: [{ description: 'Unused time on Pro', planId: 'p0', amount: -3386n, periodStart: period.start, periodEnd: period.end }], tax: { ppm: 100_000, note: 'x' } }));
  assert.deepEqual({ ...summary(f), carried: f.carriedCredit }, { subtotal: -2386n, discount: 0n, tax: 0n, total: 0n, carried: 2386n });
});

test('a trial covering part of the period: the base fee for the rest only, rounded as proration rounds', () => {
  assert.equal(baseFeeFor(3100n, period, new Date('2025-03-11T00:00:00Z')), 2100n); // 21 of 31 days
  assert.equal(baseFeeFor(3100n, period, new Date('2025-04-02T00:00:00Z')), 0n);
  assert.equal(baseFeeFor(3100n, period, null), 3100n);
  assert.equal(unitOf(1500n, 500n), 3n);
  assert.equal(unitOf(10n, 4n), 3n); // 2.5 → 3, half away from zero
  assert.equal(percentOf(4900n, 12.5), 613n); // 612.5 → 613
});

test('tax: rate per country, default, exemption for a valid tax id where configured; half away from zero', () => {
  const settings = validateTaxSettings({ default_rate: '5', rates: [{ country: 'de', rate: '19', exempt_with_tax_id: true }, { country: 'US', rate: 8.875 }] });
  const de = { country: 'DE', taxIds: [] };
  assert.deepEqual(taxFor(settings, de), { ppm: 190_000, note: 'country:DE' });
  assert.deepEqual(taxFor(settings, { country: 'DE', taxIds: [{ type: 'eu_vat', value: 'DE 123 456 789' }] }), { ppm: 0, note: 'exempt:DE' });
  // A malformed or unknown tax id does not exempt; the US rate has no exemption.
  assert.deepEqual(taxFor(settings, { country: 'DE', taxIds: [{ type: 'eu_vat', value: 'nope' }] }).ppm, 190_000);
  assert.deepEqual(taxFor(settings, { country: 'US', taxIds: [{ type: 'us_ein', value: '12-3456789' }] }), { ppm: 88_750, note: 'country:US' });
  assert.deepEqual(taxFor(settings, { country: 'FR', taxIds: [] }), { ppm: 50_000, note: 'default' });
  assert.deepEqual(taxFor(settings, null), { ppm: 50_000, note: 'default' });
  assert.equal(taxAmount(1000n, 88_750), 89n); // 88.75 → 89
  assert.equal(taxAmount(4410n, 100_000), 441n);
  assert.equal(taxAmount(5n, 100_000), 1n); // 0.5 → 1
  assert.equal(rateText(88_750), '8.875');
  assert.equal(parseRate('0', 'r'), 0);
  for (const bad of ['-1', '101', '1.23456', 'abc', '']) assert.throws(() => parseRate(bad, 'rate'), /rate/);
  assert.throws(() => validateTaxSettings({ rates: [{ country: 'DE', rate: 1 }, { country: 'de', rate: 2 }] }), /twice/);
  assert.throws(() => validateTaxSettings({ rates: [{ country: 'Germany', rate: 1 }] }), /alpha-2/);
  assert.ok(isValidTaxId({ type: 'gb_vat', value: 'GB123456789' }));
  assert.ok(!isValidTaxId({ type: 'made_up', value: '1' }));
});

test('the invoice state machine answers with the reference codes', () => {
  const cases: [InvoiceCommand, InvoiceStatus, string | null][] = [
    ['finalize', 'draft', null],
    ['finalize', 'pending', 'invoice_finalized'],
    ['finalize', 'paid', 'invoice_finalized'],
    ['finalize', 'voided', 'invoice_voided'],
    ['void', 'draft', null],
    ['void', 'pending', null],
    ['void', 'past_due', null],
    ['void', 'paid', 'invoice_paid'],
    ['void', 'voided', 'invoice_voided'],
    ['pay', 'draft', 'invalid_state'],
    ['pay', 'pending', null],
    ['pay', 'past_due', null],
    ['pay', 'paid', 'invoice_paid'],
    ['pay', 'voided', 'invoice_voided'],
  ];
  for (const [command, status, code] of cases) {
    if (code === null) assert.doesNotThrow(() => assertInvoiceCommand(command, status), `${command} on ${status}`);
    else assert.throws(() => assertInvoiceCommand(command, status), (e: any) => e.details?.code === code, `${command} on ${status}`);
  }
});
