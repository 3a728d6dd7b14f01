import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan, simplePlan } from '../../helpers/billing.ts';
import { webhookReceiver } from '../../helpers/webhook-receiver.ts';
import { WebhookWorker } from '../../../src/platform/webhooks/worker.ts';

let t: TestApp;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let worker: WebhookWorker;
before(async () => {
  // Sandbox endpoints may reach loopback (this receiver); live ones may not.
  t = await startTestApp({ WEBHOOK_PRIVATE_URLS: 'sandbox' });
  receiver = await webhookReceiver();
  worker = new WebhookWorker(t.db, t.clock, { timeoutMs: 5_000, privateUrls: 'sandbox', onError: (e) => console.error(e) });
});
after(async () => {
  await worker.stop();
  await receiver.close();
  await t.close();
});

const DAY = 24 * 3_600_000;
const at = (path: string) => receiver.received.filter((r) => r.path === path);
const typesAt = (path: string) => at(path).map((r) => JSON.parse(r.body).type);

test('endpoints: create shows the secret once, list and get never; URLs and event types are checked', async () => {
  const app = await billingApp(t, { mode: 'sandbox' });
  const created = await app.made('/ledger/webhook-endpoints', { url: receiver.url('/crud'), description: 'Orders', event_types: ['customer.created', 'customer.created', 'invoice.paid'] });
  assert.match(created.id, /^we_[0-9a-z]{26}$/);
  assert.match(created.secret, /^whsec_/);
  assert.deepEqual(created.event_types, ['customer.created', 'invoice.paid']);
  assert.equal(created.mode, 'sandbox');
  assert.equal(created.previous_secret_expires_at, null);
  const got = (await app.call('GET', `/ledger/webhook-endpoints/${created.id}`)).json();
  const { secret: _secret, ...shown } = created;
  assert.deepEqual(got, shown);
  const list = (await app.call('GET', '/ledger/webhook-endpoints?limit=500')).json();
  assert.deepEqual(list, { data: [shown], pagination: { total: 1, limit: 100, offset: 0, has_more: false } });

  assertError(await app.call('POST', '/ledger/webhook-endpoints', {}), 400, 'invalid_input', 'url');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 'ftp://example.com/x' }), 400, 'invalid_input', 'url');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 'https://user:pw@example.com/x' }), 400, 'invalid_input', 'url');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 'not a url' }), 400, 'invalid_input', 'url');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 42 }), 400, 'invalid_input');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 'https://example.com', event_types: ['Customer Created'] }), 400, 'invalid_input', 'event_types[0]');
  assertError(await app.call('POST', '/ledger/webhook-endpoints', { url: 'https://example.com', event_types: 'customer.created' }), 400, 'invalid_input');

  // Live: private and loopback addresses are refused (server-side request forgery), public ones taken.
  const live = await billingApp(t);
  for (const url of [receiver.url('/x'), 'http://localhost:8080/x', 'http://10.0.0.1/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x']) {
    assertError(await live.call('POST', '/ledger/webhook-endpoints', { url }), 400, 'invalid_input', 'url');
  }
  assert.equal((await live.made('/ledger/webhook-endpoints', { url: 'https://hooks.example.com/billing' })).mode, 'live');
  // Live and sandbox are separate worlds; another app's endpoint is not found.
  assertError(await live.call('GET', `/ledger/webhook-endpoints/${created.id}`), 404, 'not_found');
  const other = await billingApp(t, { mode: 'sandbox' });
  assertError(await other.call('GET', `/ledger/webhook-endpoints/${created.id}`), 404, 'not_found');
  assertError(await other.call('DELETE', `/ledger/webhook-endpoints/${created.id}`), 404, 'not_found');
  assertError(await other.call('POST', `/ledger/webhook-endpoints/${created.id}/roll-secret`), 404, 'not_found');
  assertError(await app.call('GET', '/ledger/webhook-endpoints/we_nope'), 404, 'not_found');
  assert.equal((await live.call('GET', '/ledger/webhook-endpoints')).json().pagination.total, 1);

  const deleted = await app.call('DELETE', `/ledger/webhook-endpoints/${created.id}`);
  assert.equal(deleted.statusCode, 204);
  assertError(await app.call('GET', `/ledger/webhook-endpoints/${created.id}`), 404, 'not_found');
});

test('subscription and customer changes reach the app’s endpoints, signed, with the object as the API shows it', async () => {
  const app = await billingApp(t, { mode: 'sandbox' });
  const endpoint = await app.made('/ledger/webhook-endpoints', { url: receiver.url('/events') });
  const filtered = await app.made('/ledger/webhook-endpoints', { url: receiver.url('/only-customers'), event_types: ['customer.created', 'customer.deleted'] });
  const acme = app.as('acme');
  const customer = (await acme('POST', '/ledger/customers', { name: 'Acme', email: 'billing@acme.test' })).json();
  await acme('PUT', `/ledger/customers/${customer.id}`, { name: 'Acme Inc' });
  const plan = await app.made('/ledger/plans', simplePlan('basic', 1000));
  const bigger = await app.made('/ledger/plans', simplePlan('bigger', 2000));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  await app.made(`/ledger/subscriptions/${sub.id}/pause`, {}, {}, 200);
  await app.made(`/ledger/subscriptions/${sub.id}/resume`, {}, {}, 200);
  await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: bigger.id }, {}, 200);
  await app.made(`/ledger/subscriptions/${sub.id}/cancel`, {}, {}, 200);
  const canceled = await app.made(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: true }, {}, 200);
  assert.equal((await acme('DELETE', `/ledger/customers/${customer.id}`)).statusCode, 204);
  // A refused change records nothing.
  assert.equal((await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, {})).statusCode, 400);

  await worker.runDue();
  const expected = [
    'customer.created',
    'customer.updated',
    'subscription.created',
    'subscription.paused',
    'subscription.resumed',
    'subscription.plan_changed',
    'subscription.cancel_scheduled',
    'subscription.canceled',
    'customer.deleted',
  ];
  assert.deepEqual(typesAt('/events').sort(), [...expected].sort());
  assert.deepEqual(typesAt('/only-customers').sort(), ['customer.created', 'customer.deleted']);
  const secret = endpoint.secret;
  for (const r of at('/events')) new Webhook(secret).verify(r.body, r.headers);
  assert.throws(() => new Webhook(filtered.secret).verify(at('/events')[0].body, at('/events')[0].headers));
  const body = (type: string) => JSON.parse(at('/events').find((r) => JSON.parse(r.body).type === type)!.body);
  assert.deepEqual(body('subscription.canceled').data, JSON.parse(JSON.stringify(canceled)));
  assert.equal(body('subscription.created').data.id, sub.id);
  assert.equal(body('customer.updated').data.name, 'Acme Inc');
  assert.equal(body('customer.deleted').data.id, customer.id);
  assert.equal(at('/events')[0].headers['webhook-id'], JSON.parse(at('/events')[0].body).id);

  // Each delivery with its attempt, newest first.
  const deliveries = (await app.call('GET', `/ledger/webhook-endpoints/${endpoint.id}/deliveries?limit=3`)).json();
  assert.equal(deliveries.pagination.total, expected.length);
  assert.equal(deliveries.pagination.has_more, true);
  assert.equal(deliveries.data.length, 3);
  for (const d of deliveries.data) {
    assert.match(d.id, /^wdl_/);
    assert.equal(d.status, 'succeeded');
    assert.equal(d.next_attempt_at, null);
    assert.deepEqual(d.attempts.map((a: any) => [a.attempt, a.status, a.response_code]), [[1, 'succeeded', 200]]);
  }
  // Another app's or mode's keys see none of it.
  const live = await billingApp(t);
  assertError(await live.call('GET', `/ledger/webhook-endpoints/${endpoint.id}/deliveries`), 404, 'not_found');
});

test('clock steps record their events at the sandbox time: trial end and renewal under the test clock', async () => {
  const app = await billingApp(t, { mode: 'sandbox' });
  await app.made('/ledger/webhook-endpoints', { url: receiver.url('/clock'), event_types: ['subscription.trial_ended', 'subscription.renewed'] });
  const plan = await app.made('/ledger/plans', proPlan('clocked'));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'clock-co', plan_id: plan.id });
  const start = new Date(sub.current_period_start).getTime();
  const to = new Date(start + 40 * DAY).toISOString();
  assert.equal((await app.call('POST', '/ledger/test-clock/advance', { to })).statusCode, 200);
  await worker.runDue();
  const got = at('/clock').map((r) => JSON.parse(r.body)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  assert.deepEqual(got.map((e) => e.type), ['subscription.trial_ended', 'subscription.renewed']);
  assert.equal(got[0].timestamp, sub.trial_end);
  assert.equal(got[1].timestamp, sub.current_period_end);
  assert.equal(got[1].data.status, 'active');
});

test('roll-secret: both secrets sign for 24 hours; a test event reaches that endpoint only, whatever its filter', async () => {
  const app = await billingApp(t, { mode: 'sandbox' });
  const endpoint = await app.made('/ledger/webhook-endpoints', { url: receiver.url('/rolled'), event_types: ['invoice.paid'] });
  await app.made('/ledger/webhook-endpoints', { url: receiver.url('/bystander') });
  const rolled = (await app.call('POST', `/ledger/webhook-endpoints/${endpoint.id}/roll-secret`)).json();
  assert.notEqual(rolled.secret, endpoint.secret);
  assert.equal(rolled.previous_secret_expires_at, new Date(t.clock.now().getTime() + DAY).toISOString());
  const sent = await app.call('POST', `/ledger/webhook-endpoints/${endpoint.id}/test`);
  assert.equal(sent.statusCode, 202, sent.body);
  assert.equal(sent.json().type, 'webhook.test');
  await worker.runDue();
  const [delivered] = at('/rolled');
  assert.equal(delivered.headers['webhook-id'], sent.json().id);
  assert.deepEqual(JSON.parse(delivered.body).data, { endpoint_id: endpoint.id, message: 'A test event from Kontor.' });
  new Webhook(endpoint.secret).verify(delivered.body, delivered.headers);
  new Webhook(rolled.secret).verify(delivered.body, delivered.headers);
  assert.equal(at('/bystander').length, 0);
  assertError(await app.call('POST', `/ledger/webhook-endpoints/we_${'0'.repeat(26)}/test`), 404, 'not_found');
});

test('a read-only key lists endpoints but cannot create one', async () => {
  const reader = await billingApp(t, { mode: 'sandbox', scopes: ['billing:read'] });
  assertError(await reader.call('POST', '/ledger/webhook-endpoints', { url: receiver.url('/ro') }), 403, 'forbidden');
  assert.equal((await reader.call('GET', '/ledger/webhook-endpoints')).statusCode, 200);
});
