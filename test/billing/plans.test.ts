import test from 'node:test';
import assert from 'node:assert/strict';
import { assertPlanDeletable, updatePlan, validatePlan, type PlanInput } from '../../src/billing/plans.ts';
import { BILLING_ERRORS } from '../../src/billing/errors.ts';
import { refuses } from './helpers.ts';
import { proPlan } from '../helpers/billing.ts';

/** The reference's POST /ledger/plans example, as the HTTP tests send it. */
const pro = (): PlanInput => proPlan();

const tier = (over: Record<string, unknown> = {}) => ({ feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 1 }, flat_amount: { amount: 0 }, ...over });
const withPricing = (pricing: PlanInput['pricing']): PlanInput => ({ ...pro(), pricing });

test("the reference's plan validates and normalises to bigint minor units", () => {
  const plan = validatePlan(pro());
  assert.equal(plan.status, 'active');
  assert.equal(plan.trialDays, 14);
  assert.deepEqual(plan.pricing?.baseAmount, { amount: 4999n, currency: 'usd' });
  assert.equal(plan.features[0].limit, 100000n);
  assert.equal(plan.pricing?.tiers[1].upTo, -1n);
  assert.equal(plan.features[2].softLimit, false);
});

test('normalisation: trimmed name and slug, lowercase currency, draft by default, base currency from the plan', () => {
  const plan = validatePlan({ name: '  Pro ', slug: ' pro ', currency: ' USD ', pricing: { base_amount: { amount: 100n } }, features: [{ key: ' k ', type: 'metered' }] });
  assert.equal(plan.name, 'Pro');
  assert.equal(plan.slug, 'pro');
  assert.equal(plan.currency, 'usd');
  assert.equal(plan.status, 'draft');
  assert.deepEqual(plan.pricing?.baseAmount, { amount: 100n, currency: 'usd' });
  assert.equal(plan.pricing?.billingPeriod, 'monthly');
  assert.deepEqual(plan.features[0], { key: 'k', name: 'k', type: 'metered', limit: 0n, period: 'monthly', softLimit: false, metadata: {} });
  assert.equal(validatePlan({ name: 'a', slug: 'a', currency: 'usd' }).pricing, null);
});

test('validation codes, one at a time, in the order of the notes', () => {
  refuses(() => validatePlan({ ...pro(), name: '   ' }), 'invalid_input', 'name');
  refuses(() => validatePlan({ ...pro(), slug: undefined }), 'invalid_input', 'slug');
  refuses(() => validatePlan({ ...pro(), currency: '' }), 'invalid_input', 'currency');
  refuses(() => validatePlan({ ...pro(), currency: 'usx' }), 'invalid_input', 'currency');
  refuses(() => validatePlan({ ...pro(), status: 'live' }), 'invalid_input', 'status');
  refuses(() => validatePlan({ ...pro(), trial_days: -1 }), 'invalid_input', 'trial_days');
  refuses(() => validatePlan({ ...pro(), trial_days: 1.5 }), 'invalid_input', 'trial_days');
  refuses(() => validatePlan({ ...pro(), features: [{ key: ' ', type: 'metered' }] }), 'invalid_input', 'features[0].key');
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'metered' }, { key: 'a', type: 'seat' }] }), 'duplicate_feature', 'features[1].key');
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'counter' }] }), 'invalid_input', 'features[0].type');
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'metered', period: 'weekly' }] }), 'invalid_input', 'features[0].period');
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'metered', limit: -2 }] }), 'invalid_input', 'features[0].limit');
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'metered', limit: 0.5 }] }), 'invalid_input', 'features[0].limit');
  refuses(() => validatePlan(withPricing({ base_amount: { amount: -1 } })), 'invalid_pricing', 'pricing.base_amount.amount');
  refuses(() => validatePlan(withPricing({ base_amount: { amount: 1, currency: 'EUR' } })), 'invalid_pricing', 'pricing.base_amount.currency');
  refuses(() => validatePlan(withPricing({ billing_period: 'weekly' })), 'invalid_pricing', 'pricing.billing_period');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ feature_key: 'storage' })] })), 'invalid_pricing', 'pricing.tiers[0].feature_key');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ feature_key: 'sso' })] })), 'invalid_pricing', 'pricing.tiers[0].feature_key');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ type: 'stairstep' })] })), 'invalid_pricing', 'pricing.tiers[0].type');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ unit_amount: { amount: -1 } })] })), 'invalid_pricing', 'pricing.tiers[0].unit_amount.amount');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ up_to: 10 }), tier({ type: 'volume' })] })), 'invalid_pricing', 'pricing.tiers[1].type');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ up_to: 10 }), tier({ unit_amount: { amount: 1, currency: 'eur' } })] })), 'invalid_pricing', 'pricing.tiers[1].unit_amount.currency');
  refuses(() => validatePlan(withPricing({ tiers: [tier(), tier({ up_to: 0 })] })), 'invalid_pricing', 'pricing.tiers[1].up_to');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ up_to: 10 }), tier({ up_to: 10 })] })), 'invalid_pricing', 'pricing.tiers[1].up_to');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ flat_amount: { amount: 5 } })] })), 'invalid_pricing', 'pricing.tiers[0].flat_amount.amount');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ type: 'volume', flat_amount: { amount: 5 } })] })), 'invalid_pricing', 'pricing.tiers[0].flat_amount.amount');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ type: 'flat', flat_amount: { amount: 5 } })] })), 'invalid_pricing', 'pricing.tiers[0].unit_amount.amount');
  // A flat ladder with band fees and no unit amount is fine.
  validatePlan(withPricing({ tiers: [tier({ type: 'flat', up_to: 10, unit_amount: { amount: 0 }, flat_amount: { amount: 500 } }), tier({ type: 'flat', unit_amount: { amount: 0 }, flat_amount: { amount: 900 } })] }));
});

test('the first refusal wins: an input wrong everywhere reports the earliest check', () => {
  const everything: PlanInput = { name: '', slug: '', currency: '', status: 'x', trial_days: -1, features: [{ key: '' }], pricing: { base_amount: { amount: -1 } } };
  refuses(() => validatePlan(everything), 'invalid_input', 'name');
  refuses(() => validatePlan({ ...everything, name: 'n' }), 'invalid_input', 'slug');
  refuses(() => validatePlan({ ...everything, name: 'n', slug: 's' }), 'invalid_input', 'currency');
  refuses(() => validatePlan({ ...everything, name: 'n', slug: 's', currency: 'usd' }), 'invalid_input', 'status');
  refuses(() => validatePlan({ ...everything, name: 'n', slug: 's', currency: 'usd', status: 'draft' }), 'invalid_input', 'trial_days');
  refuses(() => validatePlan({ ...everything, name: 'n', slug: 's', currency: 'usd', status: 'draft', trial_days: 0 }), 'invalid_input', 'features[0].key');
  // Features are checked one after another: feature 0's bad limit before feature 1's duplicate key.
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'metered', limit: -5 }, { key: 'a', type: 'metered' }] }), 'invalid_input', 'features[0].limit');
  // Features before pricing.
  refuses(() => validatePlan({ ...pro(), features: [{ key: 'a', type: 'x' }], pricing: { base_amount: { amount: -1 } } }), 'invalid_input', 'features[0].type');
  // Base amount before tiers; a ladder's shape before flat amounts.
  refuses(() => validatePlan(withPricing({ base_amount: { amount: -1 }, tiers: [tier({ feature_key: 'nope' })] })), 'invalid_pricing', 'pricing.base_amount.amount');
  refuses(() => validatePlan(withPricing({ tiers: [tier({ flat_amount: { amount: 1 } }), tier()] })), 'invalid_pricing', 'pricing.tiers[1].up_to');
});

test('slug rules: one lowercase URL segment of at most 64 characters', () => {
  for (const ok of ['pro', 'pro-2026', 'team_plus', 'a', 'x'.repeat(64)]) assert.equal(validatePlan({ ...pro(), slug: ok }).slug, ok);
  for (const bad of ['Pro', 'pro plan', 'pro/x', '-pro', 'pro-', 'pro--x', 'é', 'x'.repeat(65)]) refuses(() => validatePlan({ ...pro(), slug: bad }), 'invalid_input', 'slug');
});

test('updates: archived refuses first, currency is immutable, the merge is validated whole', () => {
  const plan = validatePlan(pro());
  const updated = updatePlan(plan, { description: 'Updated description', trial_days: 30, metadata: { tier: 'professional', version: '2' } });
  assert.equal(updated.trialDays, 30);
  assert.equal(updated.description, 'Updated description');
  assert.deepEqual(updated.features, plan.features);
  assert.deepEqual(updated.pricing, plan.pricing);
  assert.equal(updatePlan(plan, { currency: 'USD' }).currency, 'usd', 'the same currency is no change');
  refuses(() => updatePlan(plan, { currency: 'eur' }), 'invalid_input', 'currency');
  refuses(() => updatePlan(plan, { trial_days: -3 }), 'invalid_input', 'trial_days');
  refuses(() => updatePlan(plan, { pricing: { tiers: [tier({ feature_key: 'gone' })] } }), 'invalid_pricing', 'pricing.tiers[0].feature_key');
  const archived = updatePlan(plan, { status: 'archived' });
  refuses(() => updatePlan(archived, { currency: 'eur', name: '' }), 'plan_archived', 'slug');
});

test('a plan referenced by subscriptions cannot be deleted (400 plan_in_use)', () => {
  assertPlanDeletable('plan_x', 0);
  refuses(() => assertPlanDeletable('plan_x', 2), 'plan_in_use', 'id');
  assert.equal(BILLING_ERRORS.plan_in_use.status, 400);
  assert.equal(BILLING_ERRORS.subscription_exists.status, 409);
});
