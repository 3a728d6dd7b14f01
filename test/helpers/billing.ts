import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from './app.ts';
import { startFakeStripe, type FakeStripe } from './fake-stripe.ts';
import { startFakePaddle, type FakePaddle } from './fake-paddle.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import type { KeyMode } from '../../src/platform/identity/key-formats.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** An app (a new org) with a billing key of `mode`, and request helpers bound to it. */
export async function billingApp(t: TestApp, options: { mode?: KeyMode; scopes?: string[] } = {}) {
  const org = await createOrg(t.db, t.clock, { name: 'Billing app' });
  const mode = options.mode ?? 'live';
  const { secret } = await t.core.apiKeys.create({ orgId: org.id, surface: 'billing', scopes: options.scopes ?? ['billing:read', 'billing:write'], mode });
  return withKey(t, org.id, secret);
}

/** Request helpers for a billing key; `tenant` sends X-Tenant-ID. */
export function withKey(t: TestApp, orgId: string, secret: string) {
  const headers = { 'x-api-key': secret };
  const call = (method: Method, url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    t.request({ method, url, headers: { ...headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as any }) });
  const as = (tenant: string) => (method: Method, url: string, payload?: unknown, extra: Record<string, string> = {}) => call(method, url, payload, { 'x-tenant-id': tenant, ...extra });
  /** Makes something and returns its body, failing the test on anything but `status`. */
  const made = async (url: string, payload: unknown, extra: Record<string, string> = {}, status = 201) => {
    const res = await call('POST', url, payload, extra);
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    return res.json();
  };
  return { orgId, secret, headers, call, as, made };
}

/** The reference's example customer (Customers, POST /ledger/customers). */
export const referenceCustomer = () => ({
  name: 'Alice Johnson',
  email: 'alice@example.com',
  currency: 'usd',
  billing_address: { line1: '123 Main St', line2: 'Suite 100', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
  tax_ids: [{ type: 'us_ein', value: '12-3456789' }],
  metadata: { source: 'signup' },
});

/** The reference's example plan (Plans, POST /ledger/plans), with another slug when given. */
export function proPlan(slug = 'pro', extra: Record<string, unknown> = {}) {
  return {
    name: 'Pro',
    slug,
    description: 'Professional plan with advanced features',
    currency: 'usd',
    status: 'active',
    trial_days: 14,
    features: [
      { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 100000, period: 'monthly', soft_limit: false },
      { key: 'seats', name: 'Team Seats', type: 'seat', limit: 10, period: 'none' },
      { key: 'sso', name: 'Single Sign-On', type: 'boolean', limit: 1, period: 'none' },
    ],
    pricing: {
      base_amount: { amount: 4999, currency: 'usd' },
      billing_period: 'monthly',
      tiers: [
        { feature_key: 'api_calls', type: 'graduated', up_to: 100000, unit_amount: { amount: 0, currency: 'usd' }, flat_amount: { amount: 0, currency: 'usd' } },
        { feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 1, currency: 'usd' }, flat_amount: { amount: 0, currency: 'usd' } },
      ],
    },
    metadata: { tier: 'professional' },
    ...extra,
  };
}

/** A plain active monthly plan without trial. */
export const simplePlan = (slug: string, amount: number, extra: Record<string, unknown> = {}) => ({
  name: slug,
  slug,
  currency: 'usd',
  status: 'active',
  pricing: { base_amount: { amount }, billing_period: 'monthly' },
  ...extra,
});

/** Asserts the reference error envelope with `status` and `code` (and `param` when given). */
export function assertError(res: { statusCode: number; body: string; json(): any }, status: number, code: string, param?: string | null) {
  assert.equal(res.statusCode, status, res.body);
  const { error } = res.json();
  assert.deepEqual(Object.keys(error).sort(), ['code', 'details', 'message', 'param', 'type']);
  assert.equal(error.code, code, res.body);
  if (param !== undefined) assert.equal(error.param, param, res.body);
  assert.ok(['validation', 'not_found', 'conflict', 'payment', 'provider', 'server'].includes(error.type), error.type);
}

/**
 * The whole server with its payment providers at local fakes on loopback (Stripe and Paddle,
 * no network here); `close` stops all three. `env` adds to the server's settings.
 */
export async function startWithFakeProviders(env: Record<string, string> = {}): Promise<{ t: TestApp; stripe: FakeStripe; paddle: FakePaddle; close(): Promise<void> }> {
  const stripe = await startFakeStripe();
  const paddle = await startFakePaddle();
  const t = await startTestApp({ STRIPE_API_BASE: stripe.url, PADDLE_API_BASE: paddle.url, PADDLE_SANDBOX_API_BASE: paddle.url, ...env });
  return {
    t,
    stripe,
    paddle,
    async close() {
      await t.close();
      await stripe.close();
      await paddle.close();
    },
  };
}
