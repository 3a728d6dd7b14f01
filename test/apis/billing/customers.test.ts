import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, referenceCustomer, simplePlan } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());


test('POST /ledger/customers: the reference example answers 201 for the tenant in context, balance 0', async () => {
  const app = await billingApp(t);
  const res = await app.as('acme-corp')('POST', '/ledger/customers', referenceCustomer());
  assert.equal(res.statusCode, 201, res.body);
  const c = res.json();
  assert.match(c.id, /^cst_[0-9a-z]{26}$/);
  assert.equal(c.tenant_id, 'acme-corp');
  assert.equal(c.app_id, app.orgId);
  assert.equal(c.name, 'Alice Johnson');
  assert.equal(c.email, 'alice@example.com');
  assert.equal(c.currency, 'usd');
  assert.deepEqual(c.balance, { amount: 0, currency: 'usd', display: '$0.00' });
  assert.deepEqual(c.billing_address, referenceCustomer().billing_address);
  assert.deepEqual(c.tax_ids, referenceCustomer().tax_ids);
  assert.deepEqual(c.metadata, { source: 'signup' });
  assert.ok(c.created_at && c.updated_at);
});

test('POST /ledger/customers: every documented error code; tenant context required', async () => {
  const app = await billingApp(t);
  const post = app.as('globex');
  assertError(await app.call('POST', '/ledger/customers', referenceCustomer()), 401, 'unauthorized', 'X-Tenant-ID');
  assertError(await post('POST', '/ledger/customers', { email: 'x@example.com' }), 400, 'invalid_input', 'name');
  assertError(await post('POST', '/ledger/customers', { name: 'X' }), 400, 'invalid_input', 'email');
  assertError(await post('POST', '/ledger/customers', { name: 'X', email: 'not-an-email' }), 400, 'invalid_email', 'email');
  assertError(await post('POST', '/ledger/customers', { name: 'X', email: 'x@example.com', currency: 'zzz' }), 400, 'invalid_input', 'currency');
  assert.equal((await post('POST', '/ledger/customers', { name: 'X', email: 'x@example.com' })).statusCode, 201);
  // Unique per app and mode, whatever the case.
  assertError(await app.as('initech')('POST', '/ledger/customers', { name: 'Y', email: 'X@Example.com' }), 409, 'duplicate_customer_email', 'email');
  // One customer per tenant.
  assertError(await post('POST', '/ledger/customers', { name: 'Z', email: 'z@example.com' }), 409, 'already_exists', 'tenant_id');
});

test('GET /ledger/customers: the app-wide list with the key alone, paginated; a tenant in context sees its own', async () => {
  const app = await billingApp(t);
  for (const n of [1, 2, 3]) await app.made('/ledger/customers', { name: `C${n}`, email: `c${n}@example.com` }, { 'x-tenant-id': `tenant-${n}` });
  const all = await app.call('GET', '/ledger/customers');
  assert.equal(all.statusCode, 200);
  assert.deepEqual(all.json().data.map((c: any) => c.name), ['C1', 'C2', 'C3']);
  assert.deepEqual(all.json().pagination, { total: 3, limit: 20, offset: 0, has_more: false });
  assert.deepEqual((await app.call('GET', '/ledger/customers?limit=1&offset=1')).json().pagination, { total: 3, limit: 1, offset: 1, has_more: true });
  const own = (await app.as('tenant-2')('GET', '/ledger/customers')).json();
  assert.deepEqual(own.data.map((c: any) => c.name), ['C2']);
});

test('GET /ledger/customers/{id} and /email/{email}: found; 404 customer_not_found', async () => {
  const app = await billingApp(t);
  const made = await app.made('/ledger/customers', referenceCustomer(), { 'x-tenant-id': 'acme-corp' });
  assert.deepEqual((await app.call('GET', `/ledger/customers/${made.id}`)).json(), made);
  assert.deepEqual((await app.call('GET', '/ledger/customers/email/alice@example.com')).json(), made);
  assert.deepEqual((await app.call('GET', '/ledger/customers/email/ALICE@example.com')).json(), made);
  assertError(await app.call('GET', '/ledger/customers/email/bob@example.com'), 404, 'customer_not_found');
  assertError(await app.call('GET', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj'), 404, 'customer_not_found');
  assertError(await app.call('GET', '/ledger/customers/not-an-id'), 404, 'customer_not_found');
  // Another tenant in context does not see it.
  assertError(await app.as('globex')('GET', `/ledger/customers/${made.id}`), 404, 'customer_not_found');
});

test('PUT /ledger/customers/{id}: the reference example changes only the fields given', async () => {
  const app = await billingApp(t);
  const made = await app.made('/ledger/customers', referenceCustomer(), { 'x-tenant-id': 'acme-corp' });
  const address = { line1: '456 Oak Ave', city: 'New York', state: 'NY', postal_code: '10001', country: 'US' };
  const res = await app.call('PUT', `/ledger/customers/${made.id}`, { name: 'Alice Smith', billing_address: address });
  assert.equal(res.statusCode, 200, res.body);
  const c = res.json();
  assert.equal(c.name, 'Alice Smith');
  // The reference's six address fields are always answered: the line2 not sent is null.
  assert.deepEqual(c.billing_address, { ...address, line2: null });
  assert.equal(c.email, made.email);
  assert.deepEqual(c.tax_ids, made.tax_ids);
  assertError(await app.call('PUT', `/ledger/customers/${made.id}`, { email: 'nope' }), 400, 'invalid_email');
  await app.made('/ledger/customers', { name: 'Bob', email: 'bob@example.com' }, { 'x-tenant-id': 'globex' });
  assertError(await app.call('PUT', `/ledger/customers/${made.id}`, { email: 'bob@example.com' }), 409, 'duplicate_customer_email');
  assertError(await app.call('PUT', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj', { name: 'X' }), 404, 'customer_not_found');
});

test('DELETE /ledger/customers/{id}: 204; has_active_subscriptions while its tenant has a live one; customer_not_found', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const busy = await app.made('/ledger/customers', referenceCustomer(), { 'x-tenant-id': 'acme-corp' });
  const idle = await app.made('/ledger/customers', { name: 'Bob', email: 'bob@example.com' }, { 'x-tenant-id': 'globex' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  assertError(await app.call('DELETE', `/ledger/customers/${busy.id}`), 400, 'has_active_subscriptions');
  const del = await app.call('DELETE', `/ledger/customers/${idle.id}`);
  assert.equal(del.statusCode, 204, del.body);
  assertError(await app.call('DELETE', `/ledger/customers/${idle.id}`), 404, 'customer_not_found');
  // Once the subscription has ended, the customer may go.
  assert.equal((await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: true })).statusCode, 200);
  assert.equal((await app.call('DELETE', `/ledger/customers/${busy.id}`)).statusCode, 204);
});

test("GET /ledger/customers/{id}/subscriptions: its tenant's subscriptions, newest first", async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const c = await app.made('/ledger/customers', referenceCustomer(), { 'x-tenant-id': 'acme-corp' });
  const first = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  await app.call('POST', `/ledger/subscriptions/${first.id}/cancel`, { immediately: true });
  t.clock.advance(1000);
  const second = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  await app.made('/ledger/subscriptions', { tenant_id: 'globex', plan_id: plan.id });
  const res = await app.call('GET', `/ledger/customers/${c.id}/subscriptions`);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().map((s: any) => s.id), [second.id, first.id]);
});
