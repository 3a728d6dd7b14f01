import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { mycfoTenant } from '../helpers/mycfo.ts';
import { ledgyUser } from '../helpers/ledgy.ts';
import { billingApp, simplePlan } from '../helpers/billing.ts';
import { ledgerbeeCompany, ledgerbeeKey } from '../helpers/ledgerbee.ts';
import { LEDGERBEE_SCOPES } from '../../src/apis/ledgerbee/context.ts';
import { savePaymentMethod } from '../../src/billing/payment-method-store.ts';
import { parseId, uuidToUlid } from '../../src/platform/ids.ts';
import type { RouteEntry } from '../../src/platform/http/route-table.ts';
import { SURFACES } from '../../src/surfaces.ts';

/*
 * The pipeline's guarantees, checked on every route of every surface's route table, so a
 * new route (or a new surface) is covered the day it lands:
 *   no credential → 401 in the surface's envelope; another surface's credential → 401;
 *   a credential without the route's scope → 403; another tenant's resource id → 404;
 *   a write replayed with the same Idempotency-Key → the same status and bytes, and the key
 *   with another body → refused; a route that declares no access (scope, public, session)
 *   fails.
 * Each surface supplies a fixture: how to make its credentials, how its 401 looks, and
 * which other tenant's ids fill each path parameter.
 */

type Headers = Record<string, string>;
type Response = Awaited<ReturnType<TestApp['request']>>;

interface SurfaceFixture {
  /** A credential of this surface with every scope. */
  full: Headers;
  /** A credential of this surface with only `scope`'s opposite (read ↔ write), or null when the surface has no scopes. */
  without(scope: string): Promise<Headers | null>;
  /** Asserts `res` is this surface's 401. */
  unauthenticated(res: Response): void;
  /** The status this surface gives an Idempotency-Key reused with another body. */
  keyReused: number;
  /** Path parameters naming another tenant's resources, by route. */
  foreignParams(route: RouteEntry): Record<string, string> | null;
  /** A body that passes validation, for writes addressed to another tenant's resource. */
  sampleBody(route: RouteEntry): unknown;
}

let t: TestApp;
const fixtures = new Map<string, SurfaceFixture>();
/** A credential of each surface, to try on the others. */
const foreignCredential = new Map<string, Headers>();

function fill(url: string, params: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `missing-${name}`);
}
const anyParams = (url: string) => url.replace(/:(\w+)/g, 'x1');
const isWrite = (route: RouteEntry) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
const send = (route: RouteEntry, url: string, headers: Headers, body?: unknown) =>
  t.request({
    method: route.method as any,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

async function nativeFixture(): Promise<SurfaceFixture> {
  const mine = await t.tenant();
  const theirs = await t.tenant();
  const post = async (url: string, payload: object) => {
    const r = await t.request({ method: 'POST', url, headers: theirs.headers, payload });
    assert.ok(r.statusCode < 300, r.body);
    return r.json();
  };
  const ledger = await post('/kontor/v1/ledgers', { name: 'theirs' });
  const cash = await post('/kontor/v1/accounts', { ledger_id: ledger.id, code: 'cash', name: 'Cash', type: 'asset', asset: 'USD/2' });
  const equity = await post('/kontor/v1/accounts', { ledger_id: ledger.id, code: 'eq', name: 'Equity', type: 'equity', asset: 'USD/2' });
  const entry = await post('/kontor/v1/entries', {
    ledger_id: ledger.id,
    postings: [{ account_id: cash.id, side: 'debit', amount: '1.00' }, { account_id: equity.id, side: 'credit', amount: '1.00' }],
  });
  const byResource: Record<string, string> = { ledgers: ledger.id, accounts: cash.id, entries: entry.id };
  return {
    full: mine.headers,
    async without(scope) {
      return (await t.tenant([scope === 'ledger:read' ? 'ledger:write' : 'ledger:read'])).headers;
    },
    unauthenticated(res) {
      assert.equal(res.statusCode, 401, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.match(res.json().type, /\/unauthenticated$/);
    },
    keyReused: 422,
    foreignParams(route) {
      const resource = /^\/kontor\/v1\/(\w+)\/:id/.exec(route.url)?.[1];
      return resource && byResource[resource] ? { id: byResource[resource] } : null;
    },
    sampleBody(route) {
      return route.url.endsWith('/reversal') ? {} : undefined;
    },
  };
}

async function mycfoFixture(): Promise<SurfaceFixture> {
  const mine = await mycfoTenant(t);
  const theirs = await mycfoTenant(t);
  const ws = await theirs.workspace();
  const ingest = await theirs.call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, {
    revenue: [{ subtype: 'recurring', amount_cents: 250000, occurred_at: '2026-02-01', description: 'Feb' }],
  });
  assert.equal(ingest.statusCode, 202, ingest.body);
  const [txn] = (await theirs.call('GET', `/v1/workspaces/${ws.id}/transactions`)).json().data;
  const forecast = (await theirs.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 3 })).json();
  const scenario = (await theirs.call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: forecast.id, delta: { type: 'price_change', pct: 0.1 } })).json();
  assert.ok(txn?.id && forecast.id && scenario.id);
  const params = { id: ws.id, transaction_id: txn.id, forecast_id: forecast.id, scenario_id: scenario.id };
  const samples: Record<string, unknown> = {
    '/v1/workspaces/:id': { name: 'Renamed' },
    '/v1/workspaces/:id/ingest/expenses': { expenses: [{ subtype: 'recurring_expense', amount_cents: 100, occurred_at: '2026-02-01', vendor: 'AWS' }] },
    '/v1/workspaces/:id/ingest/revenue': { revenue: [{ subtype: 'recurring', amount_cents: 100, occurred_at: '2026-02-01' }] },
    '/v1/workspaces/:id/ingest/stripe': { stripe_api_key: 'sk_test_guarantee' },
    '/v1/workspaces/:id/forecasts': { horizon_months: 3 },
    '/v1/workspaces/:id/scenarios': { baseline_forecast_id: forecast.id, delta: { type: 'price_change', pct: 0.1 } },
  };
  return {
    full: mine.headers,
    async without() {
      return null; // MyCFO sessions carry no scopes
    },
    unauthenticated(res) {
      assert.equal(res.statusCode, 401, res.body);
      const body = res.json();
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(typeof body.error.request_id, 'string');
    },
    keyReused: 409,
    foreignParams(route) {
      return route.url.includes(':id') ? params : null;
    },
    sampleBody(route) {
      return route.method === 'DELETE' ? undefined : samples[route.url];
    },
  };
}

async function ledgyFixture(): Promise<SurfaceFixture> {
  const mine = await ledgyUser(t);
  const theirs = await ledgyUser(t);
  const outsider = await ledgyUser(t);
  const made = async (url: string, body: object) => {
    const r = await theirs.call('POST', url, body);
    assert.ok(r.statusCode < 300, `${url}: ${r.body}`);
    return r.json();
  };
  const account = await theirs.account();
  const transaction = await made('/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', accountId: account.id });
  const categoryGroup = await made('/api/v1/categories/groups', { name: 'Theirs', order: 0 });
  const category = await made('/api/v1/categories', { name: 'Coffee', type: 'expense', order: 0, isPinned: false });
  const group = await made('/api/v1/groups', { name: 'Theirs' });
  const budget = await made('/api/v1/budgets', { amount: 10, currencyCode: 'EUR', period: 1, startDate: '2026-05-01T00:00:00Z', isActive: true });
  await made(`/api/v1/groups/${group.id}/invitations`, { email: outsider.email });
  const [invitation] = (await outsider.call('GET', '/api/v1/groups/invitations')).json().items;
  const token = await theirs.pat(['accounts:read']);
  assert.ok(invitation?.id, 'the outsider sees the invitation');
  const all = (await import('../../src/apis/ledgy/context.ts')).LEDGY_SCOPES;
  const lacking = new Map<string, string>();
  const byResource: Record<string, string> = {
    '/api/v1/accounts/:id': account.id,
    '/api/v1/transactions/:id': transaction.id,
    '/api/v1/categories/groups/:id': categoryGroup.id,
    '/api/v1/categories/:id': category.id,
    '/api/v1/groups/:id': group.id,
    '/api/v1/groups/:id/members/:userId': group.id,
    '/api/v1/groups/:id/invitations': group.id,
    '/api/v1/groups/invitations/:id/accept': invitation.id,
    '/api/v1/groups/invitations/:id/decline': invitation.id,
    '/api/v1/budgets/:id': budget.id,
    '/api/auth/tokens/:id': token.id,
  };
  const samples: Record<string, unknown> = {
    'PUT /api/v1/accounts/:id': { name: 'Mine now', currencyCode: 'EUR', initialBalance: 0, order: 0 },
    'PUT /api/v1/transactions/:id': { type: 'expense', amount: 2, currencyCode: 'EUR', date: '2026-05-12' },
    'PUT /api/v1/categories/groups/:id': { name: 'Mine now', order: 0 },
    'PUT /api/v1/categories/:id': { name: 'Mine now', type: 'expense', order: 0, isPinned: false },
    'PUT /api/v1/groups/:id': { name: 'Mine now' },
    'PUT /api/v1/budgets/:id': { amount: 10, currencyCode: 'EUR', period: 1, startDate: '2026-05-01T00:00:00Z', isActive: true },
    'POST /api/v1/groups/:id/invitations': { email: mine.email },
  };
  return {
    full: { authorization: `Bearer ${mine.token}` },
    async without(scope) {
      // One token per missing scope (a user holds at most 25 active tokens).
      if (!lacking.has(scope)) lacking.set(scope, (await mine.pat(all.filter((s: string) => s !== scope))).token);
      return { authorization: `Bearer ${lacking.get(scope)}` };
    },
    unauthenticated(res) {
      assert.equal(res.statusCode, 401, res.body);
      assert.deepEqual(Object.keys(res.json()), ['error']);
      assert.equal(typeof res.json().error, 'string');
    },
    keyReused: 409,
    foreignParams(route) {
      const id = byResource[route.url];
      return id ? { id, userId: theirs.user.id } : null;
    },
    sampleBody(route) {
      return samples[`${route.method} ${route.url}`];
    },
  };
}

async function billingFixture(): Promise<SurfaceFixture> {
  const mine = await billingApp(t);
  const theirs = await billingApp(t);
  const myPlan = await mine.made('/ledger/plans', simplePlan('mine', 100));
  const plan = await theirs.made('/ledger/plans', simplePlan('theirs', 100));
  const customer = await theirs.made('/ledger/customers', { name: 'Theirs', email: 'theirs@example.com' }, { 'x-tenant-id': 'acme-corp' });
  const subscription = await theirs.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  const endpoint = await theirs.made('/ledger/webhook-endpoints', { url: 'https://example.com/theirs' });
  const mySubscription = await mine.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: myPlan.id });
  const coupon = await theirs.made('/ledger/coupons', { code: 'THEIRS', type: 'percentage', percentage: 10 });
  // A payment method as a provider would have saved it (no provider is called here).
  const method = await t.db.transaction((tx) =>
    savePaymentMethod(tx, { orgId: theirs.orgId, mode: 'live' }, { customerId: parseId('cst', customer.id)!, provider: 'stripe', providerCustomerId: 'cus_theirs', card: { providerId: 'pm_theirs', type: 'card', brand: 'visa', last4: '4242', expiryMonth: 12, expiryYear: 2030 }, setDefault: true }, t.clock.now()),
  );
  const invoice = await theirs.made('/ledger/invoices', { subscription_id: subscription.id });
  const params: Record<string, Record<string, string>> = {
    plans: { name: plan.slug },
    customers: { id: customer.id, email: customer.email },
    subscriptions: { id: subscription.id },
    entitlements: { customerId: customer.id },
    'webhook-endpoints': { id: endpoint.id },
    coupons: { code: coupon.code, id: coupon.id },
    'payment-methods': { id: `pm_${uuidToUlid(method.id).toLowerCase()}` },
    invoices: { id: invoice.id },
  };
  const samples: Record<string, unknown> = {
    'PUT /ledger/plans/:name': { description: 'Mine now' },
    'PUT /ledger/customers/:id': { name: 'Mine now' },
    'PUT /ledger/subscriptions/:id': { metadata: { mine: 'now' } },
    'POST /ledger/subscriptions/:id/cancel': { immediately: true },
    'POST /ledger/subscriptions/:id/pause': {},
    'POST /ledger/subscriptions/:id/change-plan': { plan_id: myPlan.id },
    'POST /ledger/webhook-endpoints': { url: 'https://example.com/mine', event_types: ['subscription.created'] },
    'PUT /ledger/coupons/:code': { name: 'Mine now' },
    'POST /ledger/coupons/:code/redeem': { subscription_id: mySubscription.id },
    'POST /ledger/customers/:id/credit': { amount: { amount: 100, currency: 'usd' } },
    'POST /ledger/invoices/:id/void': { reason: 'mine now' },
    'POST /ledger/invoices/:id/pay': { payment_ref: 'mine' },
  };
  return {
    // A tenant in context too, so tenant-scoped routes reach their own checks.
    full: { ...mine.headers, 'x-tenant-id': 'acme-corp' },
    async without(scope) {
      const app = await billingApp(t, { scopes: [scope === 'billing:read' ? 'billing:write' : 'billing:read'] });
      return { ...app.headers, 'x-tenant-id': 'acme-corp' };
    },
    unauthenticated(res) {
      assert.equal(res.statusCode, 401, res.body);
      const { error } = res.json();
      assert.deepEqual(Object.keys(error).sort(), ['code', 'details', 'message', 'param', 'type']);
      assert.equal(error.code, 'unauthorized');
    },
    keyReused: 409,
    foreignParams(route): Record<string, string> | null {
      // DELETE /ledger/plans/:name takes the plan's id (the reference deletes by id).
      if (route.method === 'DELETE' && route.url === '/ledger/plans/:name') return { name: plan.id };
      // PUT and DELETE /ledger/coupons/:code take the coupon's id (the reference has them by id).
      if ((route.method === 'DELETE' || route.method === 'PUT') && route.url === '/ledger/coupons/:code') return { code: coupon.id };
      const resource = route.url.includes('/:') ? /^\/ledger\/([\w-]+)\//.exec(route.url)?.[1] : undefined;
      return resource && params[resource] ? params[resource] : null;
    },
    sampleBody(route) {
      return samples[`${route.method} ${route.url}`];
    },
  };
}

async function ledgerbeeFixture(): Promise<SurfaceFixture> {
  const mine = await ledgerbeeCompany(t);
  const theirs = await ledgerbeeCompany(t);
  const [bank, revenue] = [await theirs.accountId(5400), await theirs.accountId(1100)];
  const entry = await theirs.ok('POST', '/api/v2/journal-entries', { entryType: 'JOURNAL_ENTRY', date: '2026-01-05', lines: [{ accountId: bank, amount: 100 }, { accountId: revenue, amount: -100 }] });
  const dimension = await theirs.ok('POST', '/api/v1/dimensions', { name: 'Theirs' });
  const value = await theirs.ok('POST', `/api/v1/dimensions/${dimension.id}/values`, { name: 'Value' });
  const byResource: Record<string, Record<string, string>> = {
    'journal-entries': { id: entry.id },
    dimensions: { id: dimension.id, valueId: value.id },
  };
  const theirSamples: Record<string, unknown> = {
    'PATCH /api/v1/journal-entries/:id': { reference: 'Mine now' },
    'POST /api/v1/journal-entries/:id/reverse': {},
    'PUT /api/v1/dimensions/:id': { name: 'Mine now', isUnique: false },
    'POST /api/v1/dimensions/:id/values': { name: 'Mine now' },
    'PUT /api/v1/dimensions/:id/values/:valueId': { name: 'Mine now' },
    'PATCH /api/v1/customers/:id': { name: 'Mine now' },
  };
  const lacking = new Map<string, Headers>();
  // Another company's resources, by route (customers, vendors, projects, drafts).
  const customer = await theirs.ok('POST', '/api/v1/customers', { name: 'Theirs' });
  const [vendorGroup] = await theirs.ok('GET', '/api/v1/vendor-groups');
  const vendor = await theirs.ok('POST', '/api/v1/vendors', { vendorNumber: 'T-1', name: 'Theirs', vendorGroupId: vendorGroup.id, contacts: [{ name: 'T' }] });
  const project = await theirs.ok('POST', '/api/v1/projects', { name: 'Their project', subprojects: [{ name: 'Phase' }] });
  const projectParams = { id: project.id, subprojectId: project.subprojects[1].id };
  const foreign: Record<string, Record<string, string>> = {
    '/api/v1/projects/:id': projectParams,
    '/api/v1/projects/:id/profit': projectParams,
    '/api/v1/projects/:id/subprojects': projectParams,
    '/api/v1/projects/:id/subprojects/:subprojectId': projectParams,
    '/api/v1/customers/:id': { id: customer.id },
    '/api/v1/customers/:id/contacts': { id: customer.id },
    '/api/v1/customers/:id/departments': { id: customer.id },
    '/api/v1/vendors/:id/contacts': { id: vendor.id },
    '/api/v1/vendors/:id/departments': { id: vendor.id },
  };
  const samples: Record<string, unknown> = {
    ...theirSamples,
    'PATCH /api/v1/customers/:id': { name: 'Mine now' },
    'PUT /api/v1/projects/:id': { name: 'Mine now' },
    'POST /api/v1/projects/:id/subprojects': { name: 'Mine now' },
    'PUT /api/v1/projects/:id/subprojects/:subprojectId': { name: 'Mine now' },
  };
  return {
    full: mine.headers,
    async without(scope) {
      if (!lacking.has(scope)) lacking.set(scope, (await ledgerbeeKey(t, mine.orgId, { scopes: LEDGERBEE_SCOPES.filter((s) => s !== scope) })).headers);
      return lacking.get(scope)!;
    },
    unauthenticated(res) {
      assert.equal(res.statusCode, 401, res.body);
      const body = res.json();
      assert.equal(body.statusCode, 401);
      assert.equal(body.code, 'UNAUTHORIZED');
      for (const field of ['timestamp', 'path', 'message']) assert.equal(typeof body[field], 'string', res.body);
    },
    keyReused: 409,
    foreignParams(route) {
      if (foreign[route.url]) return foreign[route.url];
      const resource = route.url.includes('/:') ? /^\/api\/v\d\/([\w-]+)\//.exec(route.url)?.[1] : undefined;
      return resource && byResource[resource] ? byResource[resource] : null;
    },
    sampleBody(route) {
      return samples[`${route.method} ${route.url}`];
    },
  };
}

/** A path two surfaces serve (Ledgy's and LedgerBee's `/api/v1/accounts`): the credential picks the surface. */
const isShared = (route: RouteEntry) => routes().filter((r) => r.method === route.method && r.url === route.url).length > 1;

before(async () => {
  t = await startTestApp();
  fixtures.set('kontor', await nativeFixture());
  fixtures.set('mycfo', await mycfoFixture());
  fixtures.set('ledgy', await ledgyFixture());
  fixtures.set('billing', await billingFixture());
  fixtures.set('ledgerbee', await ledgerbeeFixture());
  foreignCredential.set('kontor', fixtures.get('kontor')!.full);
  foreignCredential.set('mycfo', fixtures.get('mycfo')!.full);
  foreignCredential.set('ledgy', fixtures.get('ledgy')!.full);
  foreignCredential.set('billing', fixtures.get('billing')!.full);
  foreignCredential.set('ledgerbee', fixtures.get('ledgerbee')!.full);
});
after(() => t.close());

const routes = () => t.app.routeTable;

test('every surface in the route table has a fixture here, and every route declares its access', () => {
  for (const surface of new Set(t.app.routeTable.map((r) => r.surface))) assert.ok(fixtures.has(surface), `no guarantee fixture for ${surface}`);
  // Where a surface has scopes, a route names its scope, or says it is public or needs none.
  const scoped = new Set(SURFACES.filter((s) => (s.apiKeys?.scopes.length ?? 0) > 0).map((s) => s.name));
  const undeclared = routes().filter((r) => scoped.has(r.surface) && !r.public && !r.noScope && r.scope === null);
  assert.deepEqual(undeclared.map((r) => `${r.surface} ${r.method} ${r.url}`), []);
});

test('no credential: 401 in the surface envelope, on every non-public route', async () => {
  for (const route of routes().filter((r) => !r.public)) {
    const res = await send(route, anyParams(route.url), {});
    // On a shared path, no credential gets LedgerBee's 401 with Ledgy's `error` too.
    if (isShared(route)) {
      fixtures.get('ledgerbee')!.unauthenticated(res);
      assert.equal(typeof res.json().error, 'string', res.body);
    } else fixtures.get(route.surface)!.unauthenticated(res);
  }
});

test('another surface credential: 401 on every non-public route', async () => {
  for (const route of routes().filter((r) => !r.public && !isShared(r))) {
    for (const [surface, headers] of foreignCredential) {
      if (surface === route.surface) continue;
      const res = await send(route, anyParams(route.url), headers);
      assert.equal(res.statusCode, 401, `${surface} credential on ${route.surface} ${route.method} ${route.url}: ${res.body}`);
    }
  }
});

test('a credential without the route scope: 403', async () => {
  for (const route of routes().filter((r) => r.scope)) {
    const headers = await fixtures.get(route.surface)!.without(route.scope!);
    if (!headers) continue;
    const res = await send(route, anyParams(route.url), headers);
    assert.equal(res.statusCode, 403, `${route.method} ${route.url}: ${res.body}`);
  }
});

test('another tenant resource id: 404, on every route that names one', async () => {
  let checked = 0;
  for (const route of routes()) {
    const fixture = fixtures.get(route.surface)!;
    const params = fixture.foreignParams(route);
    if (!params) continue;
    const body = isWrite(route) ? fixture.sampleBody(route) : undefined;
    const res = await send(route, fill(route.url, params), fixture.full, body);
    assert.equal(res.statusCode, 404, `${route.method} ${route.url}: ${res.body}`);
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} routes name a resource`);
});

test('a write replayed with its Idempotency-Key: the same status and bytes; another body with that key is refused', async () => {
  let n = 0;
  for (const route of routes().filter((r) => isWrite(r) && !r.public && !r.readOnly)) {
    const fixture = fixtures.get(route.surface)!;
    const headers = { ...fixture.full, 'idempotency-key': `guarantee-${route.surface}-${++n}` };
    const url = anyParams(route.url);
    const body = route.method === 'DELETE' ? undefined : { guarantee: 1 };
    const first = await send(route, url, headers, body);
    const again = await send(route, url, headers, body);
    assert.equal(again.statusCode, first.statusCode, `${route.method} ${route.url}`);
    assert.equal(again.body, first.body, `${route.method} ${route.url}`);
    assert.equal(again.headers['idempotent-replayed'], 'true', `${route.method} ${route.url}: ${again.body}`);
    const changed = await send(route, url, headers, { guarantee: 2 });
    assert.equal(changed.statusCode, fixture.keyReused, `${route.method} ${route.url}: ${changed.body}`);
  }
  assert.ok(n >= 10);
});
