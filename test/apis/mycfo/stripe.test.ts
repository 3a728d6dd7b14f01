import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import Stripe from 'stripe';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { charge, invoice, invoicePayment, refund, startFakeStripe, subscription, unix, type FakeStripe } from '../../helpers/fake-stripe.ts';
import { buildApp } from '../../../src/app.ts';
import type { Db } from '../../../src/platform/db.ts';

const json = { 'content-type': 'application/json' };

let fake: FakeStripe;
let t: TestApp;
before(async () => {
  fake = await startFakeStripe();
  t = await startTestApp({ STRIPE_API_BASE: fake.url });
  t.clock.set('2026-03-01T09:00:00Z');
});
after(async () => {
  await t?.close();
  await fake?.close();
});

async function signUp(app: TestApp, email: string) {
  const registered = await app.request({ method: 'POST', url: '/v1/auth/register', headers: json, payload: { org_name: 'Acme', email, password: 'hunter2' } });
  assert.equal(registered.statusCode, 201, registered.body);
  const auth = { ...json, authorization: `Bearer ${registered.json().access_token}` };
  const ws = await app.request({ method: 'POST', url: '/v1/workspaces', headers: auth, payload: { name: 'Acme Corp', cash_on_hand_cents: 5000000 } });
  assert.equal(ws.statusCode, 201, ws.body);
  return { auth, wsId: ws.json().id as string };
}

/** Every row of every table, as text: what a database dump would hold. */
async function dumpDatabase(db: Db): Promise<string> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  assert.ok(tables.some((r) => r.table_name === 'cfo_transactions'));
  let out = '';
  for (const { table_name } of tables) {
    const rows = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    out += `${table_name}\n${rows.map((r) => r.row).join('\n')}\n`;
  }
  return out;
}

/**
 * A month of a small SaaS business in Stripe (as_of 2026-02-28: the window is Jan 30 … Feb 28).
 * Every paid invoice was paid by a charge (through its PaymentIntent, or one legacy charge
 * without one); those charges must not count again as standalone charges.
 */
function seedAccount(fake: FakeStripe) {
  const d = fake.data;
  const subA = subscription({ amount: 10000, created: unix('2025-12-01T00:00:00Z') });
  const subB = subscription({ amount: 25000, created: unix('2025-12-03T00:00:00Z') });
  const subC = subscription({ amount: 5000, created: unix('2026-02-05T00:00:00Z'), status: 'canceled' });
  d.subscriptions.push(subA, subB, subC);

  const paid = [
    invoice({ amount: 10000, paidAt: unix('2026-01-01T10:00:00Z'), subscription: subA.id }), // previous window
    invoice({ amount: 25000, paidAt: unix('2026-01-03T10:00:00Z'), subscription: subB.id }), // previous window
    invoice({ amount: 10000, paidAt: unix('2026-02-01T10:00:00Z'), subscription: subA.id }),
    invoice({ amount: 25000, paidAt: unix('2026-02-03T10:00:00Z'), subscription: subB.id }),
    invoice({ amount: 5000, paidAt: unix('2026-02-05T10:00:00Z'), subscription: subC.id, billing_reason: 'subscription_create' }),
    invoice({ amount: 40000, paidAt: unix('2026-02-10T10:00:00Z') }), // one-off invoice
    invoice({ amount: 15000, paidAt: unix('2026-02-12T10:00:00Z') }), // one-off, paid by a legacy charge
  ];
  const open = invoice({ amount: 99900, paidAt: unix('2026-02-20T10:00:00Z'), status: 'open' });
  const euro = invoice({ amount: 12300, paidAt: unix('2026-02-21T10:00:00Z'), currency: 'eur' });
  d.invoices.push(...paid.slice(0, 4), open, ...paid.slice(4), euro);

  // The charges that paid the invoices, and their InvoicePayment links.
  const invoiceCharges = paid.map((inv, i) =>
    i === 6
      ? charge({ amount: inv.amount_paid, created: inv.status_transitions.paid_at!, payment_intent: null })
      : charge({ amount: inv.amount_paid, created: inv.status_transitions.paid_at! }),
  );
  const euroCharge = charge({ amount: 12300, created: euro.status_transitions.paid_at!, currency: 'eur' });
  d.invoice_payments.push(
    ...paid.map((inv, i) =>
      i === 6 ? invoicePayment({ invoice: inv, charge: invoiceCharges[i].id }) : invoicePayment({ invoice: inv, payment_intent: invoiceCharges[i].payment_intent! }),
    ),
    invoicePayment({ invoice: euro, payment_intent: euroCharge.payment_intent! }),
  );

  const standalone = [charge({ amount: 7000, created: unix('2026-02-15T12:00:00Z') }), charge({ amount: 3000, created: unix('2026-02-20T12:00:00Z') })];
  const failed = charge({ amount: 8000, created: unix('2026-02-16T12:00:00Z'), status: 'failed' });
  const uncaptured = charge({ amount: 6000, created: unix('2026-02-17T12:00:00Z'), captured: false });
  const foreign = charge({ amount: 4000, created: unix('2026-02-18T12:00:00Z'), currency: 'gbp' });
  d.charges.push(...invoiceCharges.slice(0, 3), standalone[0], failed, ...invoiceCharges.slice(3), uncaptured, euroCharge, standalone[1], foreign);

  const refunds = [
    refund({ charge: standalone[0], amount: 2000, created: unix('2026-02-16T09:00:00Z') }),
    refund({ charge: invoiceCharges[3], amount: 1000, created: unix('2026-02-20T09:00:00Z') }), // part of a subscription invoice
  ];
  d.refunds.push(
    refunds[0],
    refund({ charge: standalone[1], amount: 500, created: unix('2026-02-21T09:00:00Z'), status: 'failed' }),
    refunds[1],
    refund({ charge: standalone[1], amount: 700, created: unix('2026-02-22T09:00:00Z'), status: 'pending' }),
  );
  return { paid, invoiceCharges, standalone, refunds, excluded: [open, euro, euroCharge, failed, uncaptured, foreign] };
}

test('imports paid invoices, standalone charges and succeeded refunds across pages; a re-run inserts nothing', async () => {
  const { auth, wsId } = await signUp(t, 'stripe@acme.com');
  const seeded = seedAccount(fake);
  fake.requests.length = 0;

  const first = await t.request({
    method: 'POST',
    url: `/v1/workspaces/${wsId}/ingest/stripe`,
    headers: { ...auth, 'idempotency-key': 'stripe-import-1' },
    payload: { stripe_api_key: fake.key },
  });
  assert.equal(first.statusCode, 202, first.body);
  const body = first.json();
  assert.match(body.ingest_id, /^ing_/);
  // 7 paid invoices + 2 standalone charges + 2 succeeded refunds
  assert.deepEqual({ ...body, ingest_id: 'x' }, { ingest_id: 'x', status: 'completed', inserted: 11, duplicates: 0 });
  assert.ok(!first.body.includes(fake.key));

  // Auto-pagination: the fake caps pages at 3, so 7 paid invoices took 3 pages.
  const invoicePages = fake.requests.filter((r) => r.path === '/v1/invoices');
  assert.equal(invoicePages.length, 3);
  assert.deepEqual(
    invoicePages.map((r) => [r.query.get('status'), r.query.get('limit'), r.query.get('starting_after')]),
    [
      ['paid', '100', null],
      ['paid', '100', seeded.paid[2].id],
      ['paid', '100', seeded.paid[5].id],
    ],
  );
  assert.ok(fake.requests.filter((r) => r.path === '/v1/charges').length >= 4); // 13 charges
  assert.ok(fake.requests.some((r) => r.path === '/v1/subscriptions' && r.query.get('status') === 'all'));
  assert.ok(fake.requests.some((r) => r.path === '/v1/invoice_payments'));
  for (const r of fake.requests) {
    assert.equal(r.method, 'GET');
    assert.equal(r.headers['stripe-version'], Stripe.API_VERSION);
  }

  // What was written, by Stripe id.
  const listed = await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/transactions?limit=100`, headers: auth });
  assert.equal(listed.statusCode, 200, listed.body);
  const byId = new Map<string, any>(listed.json().data.map((row: any) => [row.external_id, row]));
  assert.equal(byId.size, 11);
  for (const row of byId.values()) assert.equal(row.source, 'stripe');
  for (const inv of seeded.paid.slice(0, 5)) assert.equal(byId.get(inv.id).subtype, 'subscription_invoice');
  for (const inv of seeded.paid.slice(5)) assert.equal(byId.get(inv.id).subtype, 'one_time');
  assert.equal(byId.get(seeded.paid[2].id).amount_cents, 10000);
  assert.equal(byId.get(seeded.paid[2].id).occurred_at, '2026-02-01T10:00:00+00:00'); // status_transitions.paid_at
  assert.match(byId.get(seeded.paid[2].id).description, /subscription sub_\w+, billed every month/);
  for (const ch of seeded.standalone) assert.deepEqual([byId.get(ch.id).subtype, byId.get(ch.id).amount_cents], ['charge', ch.amount]);
  for (const ch of seeded.invoiceCharges) assert.equal(byId.has(ch.id), false, 'a charge that paid an invoice is not counted again');
  for (const re of seeded.refunds) assert.deepEqual([byId.get(re.id).subtype, byId.get(re.id).amount_cents], ['refund', -re.amount]);
  for (const skipped of seeded.excluded) assert.equal(byId.has(skipped.id), false);

  const metrics = await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/metrics?as_of=2026-02-28`, headers: auth });
  assert.equal(metrics.statusCode, 200, metrics.body);
  const m = metrics.json();
  assert.equal(m.mrr_cents, 10000 + 25000 + 5000); // subscription invoices in the window only
  assert.equal(m.arr_cents, 40000 * 12);
  assert.equal(m.gross_revenue_cents_30d, 40000 + 40000 + 15000 + 7000 + 3000); // invoices + standalone charges, once each
  assert.equal(m.refunds_cents_30d, -3000);
  assert.equal(m.net_revenue_cents_30d, 105000 - 3000);

  // A re-run finds every object already there.
  const again = await t.request({ method: 'POST', url: `/v1/workspaces/${wsId}/ingest/stripe`, headers: auth, payload: { stripe_api_key: fake.key } });
  assert.equal(again.statusCode, 202, again.body);
  assert.deepEqual({ ...again.json<any>(), ingest_id: 'x' }, { ingest_id: 'x', status: 'completed', inserted: 0, duplicates: 11 });
  assert.notEqual(again.json().ingest_id, body.ingest_id);
  const after = await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/metrics?as_of=2026-02-28`, headers: auth });
  assert.deepEqual(after.json(), m);

  // The key was used for the calls only: it is nowhere in the database.
  const dump = await dumpDatabase(t.db);
  assert.ok(dump.includes(seeded.paid[0].id), 'the dump holds the imported rows');
  assert.ok(dump.includes('stripe-import-1'), 'the dump holds the idempotency key row');
  assert.equal(dump.includes(fake.key), false, 'the Stripe key must not be stored');
  assert.equal(dump.includes(fake.key.slice(-12)), false);
});

test('Stripe rejecting the key is 422 invalid_stripe_api_key; a Stripe 500 is 502 stripe_unavailable and writes nothing', async () => {
  const { auth, wsId } = await signUp(t, 'errors@acme.com');
  const url = `/v1/workspaces/${wsId}/ingest/stripe`;
  const wrongKey = 'sk_test_wrongwrongwrong1234';

  const rejected = await t.request({ method: 'POST', url, headers: auth, payload: { stripe_api_key: wrongKey } });
  assert.equal(rejected.statusCode, 422, rejected.body);
  const e = rejected.json().error;
  assert.equal(e.type, 'invalid_request');
  assert.equal(e.code, 'invalid_stripe_api_key');
  assert.equal(e.param, 'stripe_api_key');
  assert.match(e.request_id, /^req_/);
  assert.ok(!rejected.body.includes(wrongKey) && !rejected.body.includes('1234'));

  fake.fail = { status: 500 };
  try {
    const down = await t.request({ method: 'POST', url, headers: auth, payload: { stripe_api_key: fake.key } });
    assert.equal(down.statusCode, 502, down.body);
    assert.equal(down.json().error.type, 'upstream_error');
    assert.equal(down.json().error.code, 'stripe_unavailable');
    assert.ok(!down.body.includes(fake.key));
  } finally {
    fake.fail = null;
  }

  // Failing on a later page (after rows were already fetched) still writes nothing.
  fake.fail = { status: 503, when: (r) => r.path === '/v1/charges' && r.query.has('starting_after') };
  try {
    const late = await t.request({ method: 'POST', url, headers: auth, payload: { stripe_api_key: fake.key } });
    assert.equal(late.statusCode, 502, late.body);
    assert.equal(late.json().error.code, 'stripe_unavailable');
  } finally {
    fake.fail = null;
  }
  const listed = await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/transactions`, headers: auth });
  assert.deepEqual(listed.json().data, []);

  const missing = await t.request({ method: 'POST', url, headers: auth, payload: {} });
  assert.equal(missing.statusCode, 422, missing.body);
  assert.deepEqual([missing.json().error.code, missing.json().error.param], ['missing_field', 'stripe_api_key']);
  const notAKey = await t.request({ method: 'POST', url, headers: auth, payload: { stripe_api_key: 'sk_test_x\r\nX-Evil: 1' } });
  assert.equal(notAKey.statusCode, 422, notAKey.body);
  assert.ok(!notAKey.body.includes('X-Evil'));

  const unknown = await t.request({ method: 'POST', url: '/v1/workspaces/ws_00000000000000000000000000/ingest/stripe', headers: auth, payload: { stripe_api_key: fake.key } });
  assert.equal(unknown.statusCode, 404, unknown.body);
  const anonymous = await t.request({ method: 'POST', url, headers: json, payload: { stripe_api_key: fake.key } });
  assert.equal(anonymous.statusCode, 401);
});

test('the key never reaches the log, even at trace level and on failures', async () => {
  let log = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      log += chunk.toString();
      done();
    },
  });
  const app = await buildApp(t.core, { logger: { level: 'trace', stream } });
  await app.ready();
  try {
    const { auth, wsId } = await signUp({ ...t, request: (o) => app.inject(o) }, 'logs@acme.com');
    const url = `/v1/workspaces/${wsId}/ingest/stripe`;
    const ok = await app.inject({ method: 'POST', url, headers: auth, payload: { stripe_api_key: fake.key } });
    assert.equal(ok.statusCode, 202, ok.body);
    const wrong = await app.inject({ method: 'POST', url, headers: auth, payload: { stripe_api_key: 'sk_test_nopenopenope9876' } });
    assert.equal(wrong.statusCode, 422);
    fake.fail = { status: 500 };
    const down = await app.inject({ method: 'POST', url, headers: auth, payload: { stripe_api_key: fake.key } });
    fake.fail = null;
    assert.equal(down.statusCode, 502);
    assert.match(log, /stripe_unavailable/, 'the 502 is logged');
    assert.ok(!log.includes(fake.key), 'the key is not logged');
    assert.ok(!log.includes('nopenopenope'));
  } finally {
    fake.fail = null;
    await app.close();
  }
});

test('a refused connection is 502 stripe_unavailable', async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as any).port;
      s.close(() => resolve(p));
    });
  });
  const closed = await startTestApp({ STRIPE_API_BASE: `http://127.0.0.1:${port}` });
  try {
    const { auth, wsId } = await signUp(closed, 'refused@acme.com');
    const res = await closed.request({ method: 'POST', url: `/v1/workspaces/${wsId}/ingest/stripe`, headers: auth, payload: { stripe_api_key: fake.key } });
    assert.equal(res.statusCode, 502, res.body);
    assert.deepEqual([res.json().error.type, res.json().error.code], ['upstream_error', 'stripe_unavailable']);
  } finally {
    await closed.close();
  }
});

test('STRIPE_API_BASE must be an http(s) origin, checked when the server or the CLI starts', async () => {
  const { ConfigError } = await import('../../../src/platform/config.ts');
  const { mycfoSettings } = await import('../../../src/apis/mycfo/settings.ts');
  const { checkSurfaceSettings } = await import('../../../src/surfaces.ts');
  assert.equal(mycfoSettings({}).stripeApiBase, null);
  assert.equal(mycfoSettings({ STRIPE_API_BASE: 'http://127.0.0.1:12111/' }).stripeApiBase, 'http://127.0.0.1:12111');
  for (const bad of ['ftp://x', 'not a url', 'https://api.example.com/v1']) {
    assert.throws(() => checkSurfaceSettings({ STRIPE_API_BASE: bad }), (e: any) => e instanceof ConfigError && /^STRIPE_API_BASE /.test(e.message));
  }
});

test('a Stripe that does not answer in time is stripe_unavailable (the SDK timeout, no retries)', async () => {
  const { fetchStripeRows } = await import('../../../src/mycfo/stripe-import.ts');
  const { createServer: createHttpServer } = await import('node:http');
  let hits = 0;
  const silent = createHttpServer(() => void hits++);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    await assert.rejects(
      fetchStripeRows(fake.key, 'USD', { apiBase: `http://127.0.0.1:${(silent.address() as any).port}`, timeoutMs: 200 }),
      (e: any) => e.code === 'upstream' && e.details.code === 'stripe_unavailable' && !e.message.includes(fake.key),
    );
    assert.ok(Date.now() - started < 5000);
    assert.ok(hits >= 1 && hits <= 5, `one request per list at most, none retried (got ${hits})`);
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
});
