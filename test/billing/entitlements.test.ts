// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkEntitlement, entitledSubscription, entitlementsOf } from '../../src/billing/entitlements.ts';
import { validatePlan } from '../../src/billing/plans.ts';
import { d, refuses } from './helpers.ts';

const plan = validatePlan({
  name: 'Pro',
  slug: 'pro',
  currency: 'usd',
  features: [
    { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 100000, soft_limit: false },
    { key: 'seats', name: 'Team Seats', type: 'seat', limit: 10 },
    { key: 'sso', name: 'Single Sign-On', type: 'boolean', limit: 1 },
    { key: 'audit', type: 'boolean', limit: 0 },
    { key: 'exports', type: 'metered', limit: 100, soft_limit: true },
    { key: 'webhooks', type: 'metered', limit: -1 },
    { key: 'projects', type: 'seat', limit: -1 },
    { key: 'support', type: 'boolean', limit: -1 },
  ],
});
const pick = (e: ReturnType<typeof checkEntitlement>) => ({ allowed: e.allowed, used: e.used, limit: e.limit, remaining: e.remaining, reason: e.reason });

test("the reference's answers: 45230 of 100000 allowed, 54770 left; 100500 denied, 'quota exceeded', 0 left", () => {
  assert.deepEqual(checkEntitlement(plan, 'api_calls', { used: 45230n }), { allowed: true, feature: 'api_calls', type: 'metered', used: 45230n, limit: 100000n, remaining: 54770n, softLimit: false });
  assert.deepEqual(checkEntitlement(plan, 'api_calls', { used: 100500n }), { allowed: false, feature: 'api_calls', type: 'metered', used: 100500n, limit: 100000n, remaining: 0n, softLimit: false, reason: 'quota exceeded' });
  assert.deepEqual(pick(checkEntitlement(plan, 'api_calls', { used: 100000n })), { allowed: false, used: 100000n, limit: 100000n, remaining: 0n, reason: 'quota exceeded' });
  assert.deepEqual(pick(checkEntitlement(plan, 'api_calls', { used: 99999n })), { allowed: true, used: 99999n, limit: 100000n, remaining: 1n, reason: undefined });
});

test('seats: used is the seat quantity (3 of 10, 7 left); boolean: used 0, remaining the limit', () => {
  assert.deepEqual(pick(checkEntitlement(plan, 'seats', { seats: 3n, used: 999n })), { allowed: true, used: 3n, limit: 10n, remaining: 7n, reason: undefined });
  assert.deepEqual(pick(checkEntitlement(plan, 'seats', { seats: 10n })), { allowed: false, used: 10n, limit: 10n, remaining: 0n, reason: 'quota exceeded' });
  assert.deepEqual(pick(checkEntitlement(plan, 'sso')), { allowed: true, used: 0n, limit: 1n, remaining: 1n, reason: undefined });
  assert.deepEqual(pick(checkEntitlement(plan, 'audit')), { allowed: false, used: 0n, limit: 0n, remaining: 0n, reason: 'feature not enabled' });
});

test("soft limits allow past the limit with 'over soft limit'; −1 allows with remaining −1", () => {
  assert.deepEqual(pick(checkEntitlement(plan, 'exports', { used: 150n })), { allowed: true, used: 150n, limit: 100n, remaining: 0n, reason: 'over soft limit' });
  assert.deepEqual(pick(checkEntitlement(plan, 'exports', { used: 100n })), { allowed: true, used: 100n, limit: 100n, remaining: 0n, reason: 'over soft limit' });
  assert.equal(checkEntitlement(plan, 'exports', { used: 10n }).reason, undefined);
  assert.equal(checkEntitlement(plan, 'exports').softLimit, true);
  assert.deepEqual(pick(checkEntitlement(plan, 'webhooks', { used: 10n ** 12n })), { allowed: true, used: 10n ** 12n, limit: -1n, remaining: -1n, reason: undefined });
  assert.deepEqual(pick(checkEntitlement(plan, 'projects', { seats: 500n })), { allowed: true, used: 500n, limit: -1n, remaining: -1n, reason: undefined });
  assert.deepEqual(pick(checkEntitlement(plan, 'support')), { allowed: true, used: 0n, limit: -1n, remaining: -1n, reason: undefined });
});

test("a feature the plan lacks: denied, 'feature not in plan'", () => {
  assert.deepEqual(checkEntitlement(plan, 'storage_gb', { used: 1n }), { allowed: false, feature: 'storage_gb', type: null, used: 0n, limit: 0n, remaining: 0n, softLimit: false, reason: 'feature not in plan' });
});

test('all entitlements in plan order', () => {
  const all = entitlementsOf(plan, new Map([['api_calls', 45230n]]), 3n);
  assert.deepEqual(all.slice(0, 3).map((e) => [e.feature, e.type, e.allowed, e.used, e.remaining]), [
    ['api_calls', 'metered', true, 45230n, 54770n],
    ['seats', 'seat', true, 3n, 7n],
    ['sso', 'boolean', true, 0n, 1n],
  ]);
});

test('the subscription to read: the newest active or trialing one; none → 403 no_active_subscription', () => {
  const subs = [
    { id: 'sub_a', status: 'active' as const, createdAt: d('2025-01-01T00:00:00Z') },
    { id: 'sub_b', status: 'trialing' as const, createdAt: d('2025-02-01T00:00:00Z') },
    { id: 'sub_c', status: 'canceled' as const, createdAt: d('2025-03-01T00:00:00Z') },
    { id: 'sub_d', status: 'paused' as const, createdAt: d('2025-04-01T00:00:00Z') },
  ];
  assert.equal(entitledSubscription(subs).id, 'sub_b');
  assert.equal(entitledSubscription([...subs, { id: 'sub_e', status: 'active' as const, createdAt: d('2025-02-01T00:00:00Z') }]).id, 'sub_e', 'ties by id');
  refuses(() => entitledSubscription(subs.filter((s) => s.status !== 'active' && s.status !== 'trialing')), 'no_active_subscription', undefined);
  refuses(() => entitledSubscription([{ id: 'sub_f', status: 'past_due' as const, createdAt: d('2025-01-01T00:00:00Z') }]), 'no_active_subscription', undefined);
});
