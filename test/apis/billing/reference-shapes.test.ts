import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan, referenceCustomer } from '../../helpers/billing.ts';

/*
 * Reference 003, replayed line by line: each operation of Plans, Subscriptions, Metering,
 * Entitlements, Customers (CRUD, subscriptions, usage) and Invoices (field sets) is sent the
 * reference's own request example, and its answer must have exactly the reference example's
 * fields at every level, with the same JSON types, and the reference's status; each reachable
 * row of the operation's status/code table is checked too.
 *
 * The expected objects below are the reference's examples as printed (ids and times are only
 * types here). Where Kontor answers a field the example lacks, it is spread in from a named
 * constant whose comment says what in the reference (or notes/billing.md, the facts of the
 * library it documents) defines it. Where the reference elides a value (`[...]`, `{...}`), the
 * shape is the one its request example gives.
 */

// ---------------------------------------------------------------------------------------------
// Shapes: the reference example is the expected value; only field names and JSON types count.

/** A field the reference allows in several shapes (an optional time: ISO text or null). */
class OneOf {
  constructor(readonly options: unknown[]) {}
}
const oneOf = (...options: unknown[]) => new OneOf(options);
/** An object keyed by names the request chose (feature keys): every value has `value`'s shape. */
class RecordOf {
  constructor(readonly value: unknown) {}
}
const recordOf = (value: unknown) => new RecordOf(value);

const TIME = '2025-01-15T10:30:00Z';
/** Free-form metadata: string pairs, whatever keys the client chose. */
const METADATA = recordOf('string');
const NULLABLE_TIME = oneOf(TIME, null);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Why `actual` does not have `expected`'s shape, or null when it does. */
function shapeError(actual: unknown, expected: unknown, path: string): string | null {
  if (expected instanceof OneOf) {
    const errors = expected.options.map((o) => shapeError(actual, o, path));
    return errors.includes(null) ? null : errors.join(' / ');
  }
  if (expected instanceof RecordOf) {
    if (kind(actual) !== 'object') return `${path}: ${kind(actual)} where the reference has an object`;
    for (const [k, v] of Object.entries(actual as object)) {
      const error = shapeError(v, expected.value, `${path}.${k}`);
      if (error) return error;
    }
    return null;
  }
  if (kind(actual) !== kind(expected)) return `${path}: ${kind(actual)} ${JSON.stringify(actual)} where the reference has ${kind(expected)}`;
  if (Array.isArray(expected)) {
    const items = actual as unknown[];
    for (let i = 0; i < items.length; i++) {
      const error = shapeError(items[i], expected[Math.min(i, expected.length - 1)], `${path}[${i}]`);
      if (error) return error;
    }
    return null;
  }
  if (kind(expected) === 'object') {
    const want = Object.keys(expected as object).sort();
    const have = Object.keys(actual as object).sort();
    const missing = want.filter((k) => !have.includes(k));
    const extra = have.filter((k) => !want.includes(k));
    if (missing.length || extra.length) return `${path}: missing [${missing}], extra [${extra}]`;
    for (const k of want) {
      const error = shapeError((actual as any)[k], (expected as any)[k], `${path}.${k}`);
      if (error) return error;
    }
  }
  return null;
}

/*
 * Error `param`: the reference's envelope example names the id that was not found as
 * "subscription_id" (not the path segment's name), so each `<resource>_not_found` by id names
 * `<resource>_id`, wherever the id was sent (path or body).
 */

/** Asserts the status and that the body has exactly the reference example's fields and types. */
function assertAnswer(res: { statusCode: number; body: string; json(): any }, status: number, expected: unknown) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  const error = shapeError(body, expected, '$');
  assert.equal(error, null, `${error}\n${res.body}`);
  return body;
}

/** An array example must hold at least one item to say anything: the answer must not be empty. */
function nonEmpty<T>(items: T[]): T[] {
  assert.ok(items.length > 0, 'an empty array proves nothing about its items');
  return items;
}

// ---------------------------------------------------------------------------------------------
// The reference's examples (HTTP API, reference 003), with the fields Kontor adds, each explained.

/** Money in an answer: "money {amount, currency, display} in minor units" (the invoice totals, balance). */
const MONEY = { amount: 4999, currency: 'usd', display: '$49.99' };
/**
 * Money in an invoice line item: the reference prints `{amount, currency}` there (no display),
 * unlike the totals beside it; Kontor answers the line items as printed.
 */
const LINE_MONEY = { amount: 4999, currency: 'usd' };

/** A feature as POST /ledger/plans sends it (the response elides `features: [...]`). */
const FEATURE = {
  key: 'api_calls',
  name: 'API Calls',
  type: 'metered',
  limit: 100000,
  period: 'monthly',
  soft_limit: false,
  // The library's plan feature carries metadata (notes: the facts behind 003) and Kontor
  // accepts it on the feature; answered as the plan's own `metadata` is, `{}` when none.
  metadata: METADATA,
};
/**
 * Pricing as the request sends it (the response elides `pricing: {...}`), its amounts as money
 * in an answer: with `display`, as every money object Kontor answers outside line items.
 */
const PRICING = {
  base_amount: MONEY,
  billing_period: 'monthly',
  tiers: [{ feature_key: 'api_calls', type: 'graduated', up_to: 100000, unit_amount: MONEY, flat_amount: MONEY }],
};
/** POST /ledger/plans, Response 201 Created (GET and PUT answer "Plan object"). */
const PLAN = {
  id: 'plan_01hqx3qfz5ekth2h5y6z6r099x',
  name: 'Pro',
  slug: 'pro',
  description: 'Professional plan with advanced features',
  currency: 'usd',
  status: 'active',
  trial_days: 14,
  features: [FEATURE],
  pricing: PRICING,
  app_id: 'myapp',
  metadata: METADATA,
  created_at: TIME,
  updated_at: TIME,
};
const PAGINATION = { total: 3, limit: 20, offset: 0, has_more: false };

/** POST /ledger/subscriptions, Response 201 Created. */
const SUBSCRIPTION_EXAMPLE = {
  id: 'sub_01hqx3qg8w5kjyhwkrp5j4wsy3',
  tenant_id: 'acme-corp',
  plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099x',
  status: 'active',
  current_period_start: TIME,
  current_period_end: TIME,
  app_id: 'myapp',
  created_at: TIME,
  updated_at: TIME,
};
/** The Subscription object Kontor answers: the example and the fields the reference defines elsewhere. */
const SUBSCRIPTION = {
  ...SUBSCRIPTION_EXAMPLE,
  // Sent in the create example, and "PUT … Use this for metadata changes": the object holds it.
  metadata: METADATA,
  // The cancel example answers cancel_at; its prose: "canceled_at is set to the current time".
  cancel_at: NULLABLE_TIME,
  canceled_at: NULLABLE_TIME,
  // The pause example's request field: when a paused subscription resumes by itself.
  resume_at: NULLABLE_TIME,
  // The library's Subscription (notes: trial from trial_days, "records paused_at"): trial
  // bounds, pause start and end of life, null where the library omits them.
  trial_start: NULLABLE_TIME,
  trial_end: NULLABLE_TIME,
  paused_at: NULLABLE_TIME,
  ended_at: NULLABLE_TIME,
  // Kontor's: the seats held (what the seat entitlement's `used` counts, the reference's
  // `"seats": {"used": 3}`), and the calendar day periods end on (31 Jan → 28 Feb → 31 Mar).
  seats: 3,
  billing_anchor_day: 15,
};

/** POST /ledger/customers, Response 201 Created (billing_address and tax_ids elided: the request's). */
const CUSTOMER = {
  id: 'cst_01hqx3qgn9v3rywqk8zxr7t9kj',
  tenant_id: 'acme-corp',
  app_id: 'myapp',
  name: 'Alice Johnson',
  email: 'alice@example.com',
  currency: 'usd',
  balance: { amount: 0, currency: 'usd', display: '$0.00' },
  billing_address: { line1: '123 Main St', line2: 'Suite 100', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
  tax_ids: [{ type: 'us_ein', value: '12-3456789' }],
  // Sent in the create example (`"metadata": {"source": "signup"}`): the customer keeps it.
  metadata: METADATA,
  created_at: TIME,
  updated_at: TIME,
};

/** POST /ledger/invoices, Response 201 Created. */
const INVOICE_EXAMPLE = {
  id: 'inv_01hqx3qgf2c8mhwy9s6zwmf3yh',
  tenant_id: 'acme-corp',
  subscription_id: 'sub_01hqx3qg8w5kjyhwkrp5j4wsy3',
  status: 'draft',
  currency: 'usd',
  subtotal: MONEY,
  tax_amount: MONEY,
  discount_amount: MONEY,
  total: MONEY,
  line_items: [{ id: 'li_01hqx3qgf2c8mhwy9s6zwmf3yi', description: 'Base subscription fee', quantity: 1, unit_amount: LINE_MONEY, amount: LINE_MONEY, type: 'base' }],
  period_start: TIME,
  period_end: TIME,
  app_id: 'myapp',
  created_at: TIME,
  updated_at: TIME,
};
/** The Invoice object Kontor answers: the example and what the reference defines elsewhere. */
const INVOICE = {
  ...INVOICE_EXAMPLE,
  // GET /ledger/invoices/{number}: "human-readable identifiers (e.g., INV-2025-0042)", given at finalisation.
  number: oneOf('INV-2025-0042', null),
  // GET /ledger/customers/{id}/invoices lists a customer's invoices: the invoice names its customer.
  customer_id: oneOf('cst_01hqx3qgn9v3rywqk8zxr7t9kj', null),
  // "Credits are applied automatically to future invoices" (POST …/credit answers credit_applied);
  // amount_due is what remains to pay after them; tax_rate is the rate tax_amount was taken at.
  credit_applied: MONEY,
  amount_due: MONEY,
  tax_rate: '0',
  // Finalize ("ready for payment collection", notes: due_date = now + 30 days), pay
  // (`payment_ref`, `paid_at`) and void (`reason`) record what they were sent.
  due_date: NULLABLE_TIME,
  finalized_at: NULLABLE_TIME,
  paid_at: NULLABLE_TIME,
  payment_ref: oneOf('ch_3P2x4N2eZvKYlo2C0r4JqHBX', null),
  voided_at: NULLABLE_TIME,
  void_reason: oneOf('Customer requested cancellation', null),
};

// ---------------------------------------------------------------------------------------------

let t: TestApp;
let app: Awaited<ReturnType<typeof billingApp>>;
/** The reference's tenant, acme-corp, in context (X-Tenant-ID). */
let acme: ReturnType<Awaited<ReturnType<typeof billingApp>>['as']>;
let plan: any;
let planY: any;
let customer: any;
let sub: any;

/** Pro as the reference creates it, plus the metered storage_gb its batch and usage examples use. */
const proWithStorage = () => {
  const body = proPlan();
  return { ...body, features: [...body.features, { key: 'storage_gb', name: 'Storage', type: 'metered', limit: 50, period: 'monthly', soft_limit: false }] };
};

before(async () => {
  t = await startTestApp();
  t.clock.set('2025-01-15T10:30:00Z');
  app = await billingApp(t);
  acme = app.as('acme-corp');
});
after(() => t.close());

test('Plans: POST, GET list, GET by slug, PUT, DELETE answer the reference shapes and codes', async () => {
  const post = (body: object) => app.call('POST', '/ledger/plans', body);
  plan = assertAnswer(await post(proWithStorage()), 201, PLAN);
  // Every tier of the example answered as sent.
  assert.equal(plan.pricing.tiers.length, 2);
  assert.deepEqual(plan.pricing.base_amount, { amount: 4999, currency: 'usd', display: '$49.99' });
  assertError(await post({ slug: 'x', currency: 'usd' }), 400, 'invalid_input');
  assertError(await post({ name: 'X', slug: 'x' }), 400, 'invalid_input');
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', features: [{ key: 'a', type: 'boolean' }, { key: 'a', type: 'boolean' }] }), 400, 'duplicate_feature');
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', pricing: { base_amount: { amount: -1, currency: 'usd' } } }), 400, 'invalid_pricing');
  assertError(await post(proPlan()), 409, 'already_exists');

  // The change-plan example's target (plan_…099y) and a plan to delete.
  planY = assertAnswer(await post({ ...proWithStorage(), name: 'Pro Plus', slug: 'pro-plus', trial_days: 0 }), 201, PLAN);
  const spare = assertAnswer(await post({ ...proPlan('spare'), status: 'draft' }), 201, PLAN);

  // GET /ledger/plans: the list example's items leave out description, trial_days, app_id and
  // metadata, yet GET /ledger/plans/{name} and the create answer a "Plan object" with them:
  // a client reads one Plan type, so the list answers the full Plan object.
  const list = assertAnswer(await app.call('GET', '/ledger/plans'), 200, { data: [PLAN], pagination: PAGINATION });
  nonEmpty(list.data);
  assert.deepEqual(list.pagination, { total: 3, limit: 20, offset: 0, has_more: false });
  assertAnswer(await app.call('GET', '/ledger/plans?status=active&limit=20&offset=0'), 200, { data: [PLAN], pagination: PAGINATION });

  assertAnswer(await app.call('GET', '/ledger/plans/pro'), 200, PLAN);
  assertError(await app.call('GET', '/ledger/plans/nope'), 404, 'plan_not_found');

  // PUT /ledger/plans/{name}: the example, with its elided features and pricing as created.
  const update = { description: 'Updated description', trial_days: 30, features: proWithStorage().features, pricing: proPlan().pricing, metadata: { tier: 'professional', version: '2' } };
  const updated = assertAnswer(await app.call('PUT', '/ledger/plans/pro', update), 200, PLAN);
  assert.deepEqual([updated.description, updated.trial_days, updated.metadata], ['Updated description', 30, { tier: 'professional', version: '2' }]);
  assertError(await app.call('PUT', '/ledger/plans/pro', { trial_days: -1 }), 400, 'invalid_input');
  assertError(await app.call('PUT', '/ledger/plans/nope', update), 404, 'plan_not_found');
  assert.equal((await app.call('PUT', '/ledger/plans/spare', { status: 'archived' })).statusCode, 200);
  assertError(await app.call('PUT', '/ledger/plans/spare', update), 400, 'plan_archived');

  const deleted = await app.call('DELETE', `/ledger/plans/${spare.id}`);
  assert.equal(deleted.statusCode, 204, deleted.body);
  assert.equal(deleted.body, '');
  assertError(await app.call('DELETE', `/ledger/plans/${spare.id}`), 404, 'plan_not_found', 'plan_id');
});

test('Customers: POST, GET list, GET by id and email, PUT answer the reference shapes and codes', async () => {
  const body = referenceCustomer();
  customer = assertAnswer(await acme('POST', '/ledger/customers', body), 201, CUSTOMER);
  assert.deepEqual(customer.balance, { amount: 0, currency: 'usd', display: '$0.00' });
  const other = app.as('globex');
  assertError(await other('POST', '/ledger/customers', { email: 'bob@example.com' }), 400, 'invalid_input', 'name');
  assertError(await other('POST', '/ledger/customers', { name: 'Bob' }), 400, 'invalid_input', 'email');
  assertError(await other('POST', '/ledger/customers', { name: 'Bob', email: 'bob-at-example' }), 400, 'invalid_email', 'email');
  assertError(await other('POST', '/ledger/customers', { ...body, name: 'Alice again' }), 409, 'duplicate_customer_email', 'email');

  const list = assertAnswer(await app.call('GET', '/ledger/customers?limit=20&offset=0'), 200, { data: [CUSTOMER], pagination: PAGINATION });
  nonEmpty(list.data);
  assertAnswer(await app.call('GET', `/ledger/customers/${customer.id}`), 200, CUSTOMER);
  assertError(await app.call('GET', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj'), 404, 'customer_not_found', 'customer_id');
  assertAnswer(await app.call('GET', '/ledger/customers/email/alice@example.com'), 200, CUSTOMER);
  assertError(await app.call('GET', '/ledger/customers/email/nobody@example.com'), 404, 'customer_not_found', 'email');

  // PUT: the example's address has no line2; the answer keeps the reference's six fields, null where not given.
  const update = { name: 'Alice Smith', billing_address: { line1: '456 Oak Ave', city: 'New York', state: 'NY', postal_code: '10001', country: 'US' } };
  const updated = assertAnswer(await app.call('PUT', `/ledger/customers/${customer.id}`, update), 200, { ...CUSTOMER, billing_address: { ...CUSTOMER.billing_address, line2: null } });
  assert.equal(updated.name, 'Alice Smith');
  assert.equal(updated.billing_address.line1, '456 Oak Ave');
  // The answer's address sent back as it came (its null line2 included) changes nothing.
  const again = await app.call('PUT', `/ledger/customers/${customer.id}`, { billing_address: updated.billing_address });
  assert.equal(again.statusCode, 200, again.body);
  assert.deepEqual(again.json().billing_address, updated.billing_address);
  assertError(await app.call('PUT', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj', update), 404, 'customer_not_found', 'customer_id');
});

test('Subscriptions: POST, GET list, GET, PUT answer the reference shapes and codes', async () => {
  const body = { tenant_id: 'acme-corp', plan_id: plan.id, status: 'active', metadata: { source: 'self-serve' } };
  sub = assertAnswer(await app.call('POST', '/ledger/subscriptions', body), 201, SUBSCRIPTION);
  assert.equal(sub.status, 'active');
  assertError(await app.call('POST', '/ledger/subscriptions', { plan_id: plan.id }), 400, 'invalid_input', 'tenant_id');
  assertError(await app.call('POST', '/ledger/subscriptions', { tenant_id: 'initech' }), 400, 'invalid_input', 'plan_id');
  assertError(await app.call('POST', '/ledger/subscriptions', { ...body, tenant_id: 'initech', plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099z' }), 404, 'plan_not_found', 'plan_id');
  assertError(await app.call('POST', '/ledger/subscriptions', body), 409, 'subscription_exists');

  const list = assertAnswer(await app.call('GET', '/ledger/subscriptions?tenant_id=acme-corp&status=active&limit=20&offset=0'), 200, { data: [SUBSCRIPTION], pagination: PAGINATION });
  nonEmpty(list.data);
  assertAnswer(await acme('GET', '/ledger/subscriptions'), 200, { data: [SUBSCRIPTION], pagination: PAGINATION });
  assertAnswer(await app.call('GET', `/ledger/subscriptions/${sub.id}`), 200, SUBSCRIPTION);
  assertError(await app.call('GET', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3'), 404, 'subscription_not_found', 'subscription_id');
  const updated = assertAnswer(await app.call('PUT', `/ledger/subscriptions/${sub.id}`, { metadata: { support_tier: 'premium' } }), 200, SUBSCRIPTION);
  assert.deepEqual(updated.metadata, { support_tier: 'premium' });
  assertError(await app.call('PUT', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3', { metadata: {} }), 404, 'subscription_not_found', 'subscription_id');
});

test('Metering: events, batch, usage, history and the raw event list answer the reference shapes and codes', async () => {
  const event = assertAnswer(
    await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'req_abc123', metadata: { endpoint: '/v1/users' } }),
    202,
    { id: 'uevt_01hqx3qh4r5kjyhwkrp5j4wsyb', status: 'buffered' },
  );
  assert.equal(event.status, 'buffered');
  assertError(await acme('POST', '/ledger/meter/events', { quantity: 1 }), 400, 'invalid_input', 'feature_key');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: -1 }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'req_abc123' }), 409, 'duplicate_event');
  // 429 meter_buffer_full needs a full queue: test/apis/billing/meter-buffer.test.ts fills one.

  const batch = assertAnswer(
    await acme('POST', '/ledger/meter/events/batch', {
      events: [
        { feature_key: 'api_calls', quantity: 5, idempotency_key: 'batch_001' },
        { feature_key: 'storage_gb', quantity: 2, idempotency_key: 'batch_002' },
      ],
    }),
    202,
    { accepted: 2, rejected: 0, results: [{ id: 'uevt_01hqx3qh4r5kjyhwkrp5j4wsyb', status: 'buffered' }] },
  );
  assert.deepEqual([batch.accepted, batch.rejected, batch.results.length], [2, 0, 2]);
  // The example's 45,230 calls: 1 + 5 + 45,224.
  assert.equal((await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 45224 })).statusCode, 202);

  const usage = assertAnswer(await app.call('GET', `/ledger/meter/usage/${sub.id}/api_calls`), 200, {
    feature_key: 'api_calls',
    subscription_id: 'sub_01hqx3qg8w5kjyhwkrp5j4wsy3',
    current_usage: 45230,
    limit: 100000,
    remaining: 54770,
    period_start: TIME,
    period_end: TIME,
  });
  assert.deepEqual([usage.current_usage, usage.limit, usage.remaining], [45230, 100000, 54770]);
  assertError(await app.call('GET', '/ledger/meter/usage/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/api_calls'), 404, 'subscription_not_found', 'subscription_id');

  const history = assertAnswer(await app.call('GET', `/ledger/meter/usage/${sub.id}/api_calls/history?start=2025-01-15T00:00:00Z&end=2025-01-18T00:00:00Z&granularity=daily`), 200, {
    feature_key: 'api_calls',
    data: [{ period: '2025-01-01', usage: 32100 }],
  });
  assert.deepEqual(history.data.map((d: any) => d.period), ['2025-01-15', '2025-01-16', '2025-01-17']);
  assertError(await app.call('GET', `/ledger/meter/usage/${sub.id}/api_calls/history?granularity=hourly`), 400, 'invalid_input', 'granularity');

  // "Paginated array of UsageEvent objects": the reference prints no UsageEvent; Kontor's is the
  // ingest request's fields plus the event's id, tenant, app and record time.
  const USAGE_EVENT = {
    id: 'uevt_01hqx3qh4r5kjyhwkrp5j4wsyb',
    tenant_id: 'acme-corp',
    app_id: 'myapp',
    feature_key: 'api_calls',
    quantity: 1,
    timestamp: TIME,
    idempotency_key: oneOf('req_abc123', null),
    metadata: METADATA,
    created_at: TIME,
  };
  const events = assertAnswer(await acme('GET', '/ledger/meter/events?feature_key=api_calls&start=2025-01-01T00:00:00Z&end=2025-02-01T00:00:00Z&limit=20&offset=0'), 200, { data: [USAGE_EVENT], pagination: PAGINATION });
  assert.equal(nonEmpty(events.data).length, 3);
});

test('Entitlements: check, check-batch, per-customer list and invalidate answer the reference shapes and codes', async () => {
  const allowed = { allowed: true, feature: 'api_calls', used: 45230, limit: 100000, remaining: 54770, soft_limit: false };
  const check = assertAnswer(await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 200, allowed);
  assert.deepEqual(check, allowed);
  assertError(await acme('POST', '/ledger/entitlements/check', {}), 400, 'invalid_input', 'feature_key');
  assertError(await app.as('initech')('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 403, 'no_active_subscription');

  assert.equal((await app.call('PUT', `/ledger/subscriptions/${sub.id}`, { seats: 3 })).statusCode, 200);
  const batch = assertAnswer(await acme('POST', '/ledger/entitlements/check-batch', { feature_keys: ['api_calls', 'seats', 'sso'] }), 200, {
    results: {
      api_calls: { allowed: true, used: 45230, limit: 100000, remaining: 54770 },
      seats: { allowed: true, used: 3, limit: 10, remaining: 7 },
      sso: { allowed: true, used: 0, limit: 1, remaining: 1 },
    },
  });
  assert.deepEqual(batch.results.seats, { allowed: true, used: 3, limit: 10, remaining: 7 });

  const listed = assertAnswer(await app.call('GET', `/ledger/entitlements/${customer.id}`), 200, {
    customer_id: 'cst_01hqx3qgn9v3rywqk8zxr7t9kj',
    plan: 'Pro',
    plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099x',
    entitlements: [{ feature: 'api_calls', allowed: true, used: 45230, limit: 100000, remaining: 54770, type: 'metered' }],
  });
  assert.deepEqual(listed.entitlements.slice(0, 3), [
    { feature: 'api_calls', allowed: true, used: 45230, limit: 100000, remaining: 54770, type: 'metered' },
    { feature: 'seats', allowed: true, used: 3, limit: 10, remaining: 7, type: 'seat' },
    { feature: 'sso', allowed: true, used: 0, limit: 1, remaining: 1, type: 'boolean' },
  ]);
  assertError(await app.call('GET', '/ledger/entitlements/cst_01hqx3qgn9v3rywqk8zxr7t9kj'), 404, 'customer_not_found', 'customer_id');
  const invalidated = await app.call('POST', `/ledger/entitlements/${customer.id}/invalidate`);
  assert.equal(invalidated.statusCode, 204, invalidated.body);
  assert.equal(invalidated.body, '');

  // The denied example: 100,500 calls of 100,000. `reason` is the field the denied example adds.
  assert.equal((await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 55270 })).statusCode, 202);
  const denied = { allowed: false, feature: 'api_calls', used: 100500, limit: 100000, remaining: 0, soft_limit: false, reason: 'quota exceeded' };
  assert.deepEqual(assertAnswer(await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 200, denied), denied);
});

test('Customers: balance, subscriptions and usage of a customer answer the reference shapes', async () => {
  assert.deepEqual((await app.call('GET', `/ledger/customers/${customer.id}`)).json().balance, { amount: 0, currency: 'usd', display: '$0.00' });
  // "Array of Subscription objects": a bare array, not a page.
  nonEmpty(assertAnswer(await app.call('GET', `/ledger/customers/${customer.id}/subscriptions`), 200, [SUBSCRIPTION]));
  assertError(await app.call('GET', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj/subscriptions'), 404, 'customer_not_found', 'customer_id');
  assertError(await app.call('GET', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj/usage'), 404, 'customer_not_found', 'customer_id');
  const usage = assertAnswer(await app.call('GET', `/ledger/customers/${customer.id}/usage`), 200, {
    customer_id: 'cst_01hqx3qgn9v3rywqk8zxr7t9kj',
    period_start: TIME,
    period_end: TIME,
    usage: recordOf({ used: 45230, limit: 100000, remaining: 54770 }),
  });
  // "all metered features": the example's api_calls and storage_gb.
  assert.deepEqual(usage.usage, { api_calls: { used: 100500, limit: 100000, remaining: 0 }, storage_gb: { used: 2, limit: 50, remaining: 48 } });
});

test('Invoices: generate, list, get by id and number, finalize, void and pay answer the Invoice object', async () => {
  // Void (the example's reason) a first draft; a voided invoice's period can be invoiced again.
  const first = assertAnswer(await app.call('POST', '/ledger/invoices', { subscription_id: sub.id }), 201, INVOICE);
  const voided = assertAnswer(await app.call('POST', `/ledger/invoices/${first.id}/void`, { reason: 'Customer requested cancellation' }), 200, INVOICE);
  assert.deepEqual([voided.status, voided.void_reason], ['voided', 'Customer requested cancellation']);
  const created = assertAnswer(await app.call('POST', '/ledger/invoices', { subscription_id: sub.id }), 201, INVOICE);
  assert.equal(created.status, 'draft');
  // The example's base line, as printed: money without display in line items, with it in the totals.
  assert.deepEqual(created.line_items[0], { ...created.line_items[0], description: 'Base subscription fee', quantity: 1, unit_amount: { amount: 4999, currency: 'usd' }, amount: { amount: 4999, currency: 'usd' }, type: 'base' });
  assert.deepEqual(created.tax_amount, { amount: 0, currency: 'usd', display: '$0.00' });
  assertError(await app.call('POST', '/ledger/invoices', {}), 400, 'invalid_input', 'subscription_id');
  assertError(await app.call('POST', '/ledger/invoices', { subscription_id: 'sub_01hqx3qg8w5kjyhwkrp5j4wsy3' }), 404, 'subscription_not_found', 'subscription_id');
  // 404 plan_not_found ("Associated plan does not exist") is unreachable: a plan in use cannot be deleted.

  nonEmpty(assertAnswer(await app.call('GET', '/ledger/invoices?status=draft&start=2025-01-01T00:00:00Z&end=2025-03-01T00:00:00Z&limit=20&offset=0'), 200, { data: [INVOICE], pagination: PAGINATION }).data);
  assertAnswer(await app.call('GET', `/ledger/invoices/${created.id}`), 200, INVOICE);
  assertError(await app.call('GET', '/ledger/invoices/inv_01hqx3qgf2c8mhwy9s6zwmf3yh'), 404, 'invoice_not_found', 'invoice_id');
  const finalized = assertAnswer(await app.call('POST', `/ledger/invoices/${created.id}/finalize`), 200, INVOICE);
  assert.equal(finalized.status, 'pending');
  assertAnswer(await app.call('GET', `/ledger/invoices/${finalized.number}`), 200, INVOICE);
  const paid = assertAnswer(await app.call('POST', `/ledger/invoices/${created.id}/pay`, { payment_ref: 'ch_3P2x4N2eZvKYlo2C0r4JqHBX', paid_at: '2025-01-15T12:00:00Z' }), 200, INVOICE);
  assert.deepEqual([paid.status, paid.payment_ref], ['paid', 'ch_3P2x4N2eZvKYlo2C0r4JqHBX']);
  assertError(await app.call('POST', `/ledger/invoices/${created.id}/void`, { reason: 'Customer requested cancellation' }), 400, 'invoice_paid');
  nonEmpty(assertAnswer(await app.call('GET', `/ledger/customers/${customer.id}/invoices?status=paid&limit=20&offset=0`), 200, { data: [INVOICE], pagination: PAGINATION }).data);
});

test('Subscriptions: cancel, pause, resume and change-plan answer the reference shapes and codes', async () => {
  // change-plan: the example's body, to the second plan.
  const changed = assertAnswer(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: planY.id, prorate: true }), 200, SUBSCRIPTION);
  assert.equal(changed.plan_id, planY.id);
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: planY.id, prorate: true }), 400, 'invalid_upgrade');
  const small = await app.made('/ledger/plans', { ...proPlan('small'), features: [{ key: 'seats', name: 'Team Seats', type: 'seat', limit: 1, period: 'none' }], pricing: null });
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: small.id, prorate: true }), 400, 'invalid_downgrade');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/change-plan', { plan_id: planY.id, prorate: true }), 404, 'subscription_not_found', 'subscription_id');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099y', prorate: true }), 404, 'plan_not_found', 'plan_id');

  // Resume first: not paused.
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/resume`), 400, 'invalid_state');
  const paused = assertAnswer(await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, { resume_at: '2025-03-01T00:00:00Z' }), 200, SUBSCRIPTION);
  assert.deepEqual([paused.status, paused.resume_at], ['paused', '2025-03-01T00:00:00.000Z']);
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, { resume_at: '2025-03-01T00:00:00Z' }), 400, 'invalid_state');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/pause', {}), 404, 'subscription_not_found', 'subscription_id');
  const resumed = assertAnswer(await app.call('POST', `/ledger/subscriptions/${sub.id}/resume`), 200, SUBSCRIPTION);
  assert.equal(resumed.status, 'active');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/resume'), 404, 'subscription_not_found', 'subscription_id');

  // Plans with active subscriptions cannot be deleted; nor can their customer.
  assertError(await app.call('DELETE', `/ledger/plans/${planY.id}`), 400, 'plan_in_use');
  assertError(await app.call('DELETE', `/ledger/customers/${customer.id}`), 400, 'has_active_subscriptions');

  // cancel: the example answers `{id, status, cancel_at}` while pause, resume and change-plan
  // answer the Subscription object; Kontor answers the whole object (those three fields included).
  const atEnd = assertAnswer(await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: false }), 200, SUBSCRIPTION);
  assert.deepEqual([atEnd.status, atEnd.cancel_at], ['active', atEnd.current_period_end]);
  const now = assertAnswer(await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: true }), 200, SUBSCRIPTION);
  assert.equal(now.status, 'canceled');
  assert.equal(typeof now.canceled_at, 'string');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: false }), 400, 'subscription_canceled');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/cancel', { immediately: false }), 404, 'subscription_not_found', 'subscription_id');

  const deleted = await app.call('DELETE', `/ledger/customers/${customer.id}`);
  assert.equal(deleted.statusCode, 204, deleted.body);
  assert.equal(deleted.body, '');
  assertError(await app.call('DELETE', `/ledger/customers/${customer.id}`), 404, 'customer_not_found', 'customer_id');
});

test('the error envelope: the reference example (subscription_not_found) field for field', async () => {
  const res = await app.call('GET', '/ledger/subscriptions/sub_01h2xcejqtf2nbrexx3vqjhp44');
  const body = assertAnswer(res, 404, { error: { code: 'subscription_not_found', message: 'Subscription sub_01h2xcejqtf2nbrexx3vqjhp44 does not exist', type: 'not_found', param: 'subscription_id', details: {} } });
  assert.deepEqual({ ...body.error, message: '' }, { code: 'subscription_not_found', message: '', type: 'not_found', param: 'subscription_id', details: {} });
});
