import test from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { openTestDb, testDatabaseUrl } from '../helpers/db.ts';
import { heldAnswer, webhookReceiver } from '../helpers/webhook-receiver.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openPostgres, type Db } from '../../src/platform/db.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { createEndpoint, rollSecret, type WebhookWorld } from '../../src/platform/webhooks/endpoints.ts';
import { listDeliveries } from '../../src/platform/webhooks/deliveries.ts';
import { recordEvent, recordEvents, type OutboxEvent } from '../../src/platform/webhooks/outbox.ts';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../src/platform/webhooks/schedule.ts';
import { WebhookWorker } from '../../src/platform/webhooks/worker.ts';

const db = await openTestDb({ max: 20 });
const receiver = await webhookReceiver();
const clock = new ManualClock(new Date());
const workers: WebhookWorker[] = [];
const worker = (options: { timeoutMs?: number; on?: Db } = {}) => {
  const w = new WebhookWorker(options.on ?? db, clock, { timeoutMs: options.timeoutMs ?? 5_000, privateUrls: 'always', onError: (e) => console.error(e) });
  workers.push(w);
  return w;
};
const at = (path: string) => receiver.received.filter((r) => r.path === path);

/** A new app (org) of its own, so no test's endpoints see another's events. */
async function fresh(mode: WebhookWorld['mode'] = 'live') {
  const org = await createOrg(db, clock, { name: 'Webhook worker' });
  const world: WebhookWorld = { orgId: org.id, surface: 'billing', mode };
  const event = (type: string, data: unknown = { n: 1 }): OutboxEvent => ({ ...world, type, data, at: clock.now() });
  return {
    world,
    event,
    emit: (type: string, data?: unknown) => db.transaction((tx) => recordEvent(tx, event(type, data))),
    endpoint: (path: string, eventTypes: string[] = [], w: WebhookWorld = world) =>
      db.transaction((tx) => createEndpoint(tx, w, { url: receiver.url(path), eventTypes }, clock.now(), true)),
  };
}

test.after(async () => {
  for (const w of workers) await w.stop();
  await receiver.close();
  await db.close();
});

test('an event reaches its endpoint signed by the standardwebhooks package, with the body recorded', async () => {
  const { world, endpoint, emit } = await fresh();
  const { endpoint: ep, secret } = await endpoint('/signed');
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const id = await emit('subscription.created', { id: 'sub_1', amount: 4999n });
  const run = await worker().runDue();
  assert.deepEqual(run, { attempts: 1, succeeded: 1, failed: 0 });
  const [got] = at('/signed');
  assert.equal(got.headers['webhook-id'], id);
  assert.equal(got.headers['content-type'], 'application/json');
  // The package's own verifier accepts it (signature and timestamp).
  const verified = new Webhook(secret).verify(got.body, got.headers) as any;
  assert.deepEqual(verified, { id, type: 'subscription.created', timestamp: verified.timestamp, data: { id: 'sub_1', amount: 4999 } });
  assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got.body, got.headers));
  const { items } = await listDeliveries(db, world, ep.id, 20, 0);
  assert.equal(items.length, 1);
  assert.equal(items[0].status, 'succeeded');
  assert.equal(items[0].nextAttemptAt, null);
  assert.deepEqual(items[0].attempts.map((a) => [a.attempt, a.succeeded, a.responseCode]), [[1, true, 200]]);
  assert.deepEqual(await worker().runDue(), { attempts: 0, succeeded: 0, failed: 0 });
});

test('failed attempts (5xx, timeouts) retry on the backoff schedule with the same webhook-id, re-signed', async () => {
  const { world, endpoint, emit } = await fresh();
  const { endpoint: ep, secret } = await endpoint('/retry');
  assert.deepEqual(RETRY_DELAYS_MS, [30_000, 120_000, 480_000, 1_920_000, 7_680_000, 30_720_000, 36_000_000]);
  const hung = heldAnswer();
  receiver.answer(500, 503, hung.answer);
  const id = await emit('invoice.paid');
  const w = worker({ timeoutMs: 150 });
  assert.deepEqual(await w.runDue(), { attempts: 1, succeeded: 0, failed: 1 });
  // Not due before its delay, due at it.
  clock.advance(RETRY_DELAYS_MS[0] - 1);
  assert.equal((await w.runDue()).attempts, 0);
  clock.advance(1);
  assert.deepEqual(await w.runDue(), { attempts: 1, succeeded: 0, failed: 1 });
  clock.advance(RETRY_DELAYS_MS[1]);
  // The third attempt times out (the receiver holds its answer).
  assert.deepEqual(await w.runDue(), { attempts: 1, succeeded: 0, failed: 1 });
  hung.release(200);
  clock.advance(RETRY_DELAYS_MS[2]);
  assert.deepEqual(await w.runDue(), { attempts: 1, succeeded: 1, failed: 0 });
  const got = at('/retry');
  assert.equal(got.length, 4);
  assert.deepEqual(new Set(got.map((g) => g.headers['webhook-id'])), new Set([id]));
  assert.equal(new Set(got.map((g) => g.body)).size, 1);
  // Each attempt is signed at its own time.
  for (const g of got) assert.equal(g.headers['webhook-signature'], new Webhook(secret).sign(id, new Date(Number(g.headers['webhook-timestamp']) * 1000), g.body));
  assert.deepEqual(got.map((g) => Number(g.headers['webhook-timestamp']) - Number(got[0].headers['webhook-timestamp'])), [0, 30, 150, 630]);
  const [delivery] = (await listDeliveries(db, world, ep.id, 20, 0)).items;
  assert.deepEqual(delivery.attempts.map((a) => [a.attempt, a.succeeded, a.responseCode, a.error === null ? null : a.error.startsWith('timeout')]), [
    [1, false, 500, null],
    [2, false, 503, null],
    [3, false, null, true],
    [4, true, 200, null],
  ]);
});

test('after the last attempt of the schedule the delivery fails for good', async () => {
  const { world, endpoint, emit } = await fresh();
  const { endpoint: ep } = await endpoint('/gone');
  receiver.answer(...Array.from({ length: MAX_ATTEMPTS }, () => 500));
  await emit('invoice.voided');
  const w = worker();
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    assert.equal((await w.runDue()).attempts, 1, `attempt ${i + 1}`);
    if (i < RETRY_DELAYS_MS.length) clock.advance(RETRY_DELAYS_MS[i]);
  }
  clock.advance(100 * 3_600_000);
  assert.equal((await w.runDue()).attempts, 0);
  const [delivery] = (await listDeliveries(db, world, ep.id, 20, 0)).items;
  assert.equal(delivery.status, 'failed');
  assert.equal(delivery.attempts.length, MAX_ATTEMPTS);
  assert.equal(at('/gone').length, MAX_ATTEMPTS);
});

test('after a roll both secrets sign for 24 hours, then only the new one', async () => {
  // The package's verifier checks timestamps against real time.
  clock.set(new Date());
  const { world, endpoint, emit } = await fresh();
  const { endpoint: ep, secret: old } = await endpoint('/roll');
  const { secret: rolled, endpoint: after } = await db.transaction((tx) => rollSecret(tx, world, ep.id, clock.now()));
  assert.notEqual(rolled, old);
  assert.deepEqual(after.previousSecretUntil, new Date(clock.now().getTime() + 24 * 3_600_000));
  await emit('customer.updated');
  await worker().runDue();
  const [during] = at('/roll');
  assert.equal(during.headers['webhook-signature'].split(' ').length, 2);
  new Webhook(old).verify(during.body, during.headers);
  new Webhook(rolled).verify(during.body, during.headers);
  clock.advance(24 * 3_600_000);
  const id = await emit('customer.updated');
  await worker().runDue();
  const [, later] = at('/roll');
  const ts = new Date(Number(later.headers['webhook-timestamp']) * 1000);
  assert.equal(later.headers['webhook-signature'], new Webhook(rolled).sign(id, ts, later.body));
});

test('an endpoint with a filter gets only its types; another mode or surface gets nothing', async () => {
  const { world, endpoint, event } = await fresh();
  await endpoint('/filtered', ['customer.created', 'invoice.paid']);
  await endpoint('/sandbox', [], { ...world, mode: 'sandbox' });
  await endpoint('/other-surface', [], { ...world, surface: 'ledgerbee' });
  await db.transaction((tx) => recordEvents(tx, [event('customer.created'), event('subscription.created'), event('invoice.paid')]));
  await worker().runDue();
  assert.deepEqual(at('/filtered').map((r) => JSON.parse(r.body).type).sort(), ['customer.created', 'invoice.paid']);
  assert.equal(at('/sandbox').length, 0);
  assert.equal(at('/other-surface').length, 0);
});

test('no event is lost across a restart: a delivery held by a stopped or killed worker is sent by the next', async () => {
  const { world, endpoint, emit } = await fresh();
  await endpoint('/restart');
  // Stopped (SIGTERM) mid-request: the attempt is given back at once.
  const first = heldAnswer();
  receiver.answer(first.answer);
  const id = await emit('subscription.paused');
  const a = worker({ timeoutMs: 60_000 });
  const running = a.runDue();
  while (at('/restart').length < 1) await new Promise((r) => setImmediate(r));
  await a.stop();
  assert.deepEqual(await running, { attempts: 0, succeeded: 0, failed: 0 });
  assert.deepEqual(await worker().runDue(), { attempts: 1, succeeded: 1, failed: 0 });
  assert.deepEqual(at('/restart').map((r) => r.headers['webhook-id']), [id, id]);
  first.release(200);

  // Killed mid-request (nothing given back): another worker sends it once the lease has ended.
  const second = heldAnswer();
  receiver.answer(second.answer);
  const id2 = await emit('subscription.resumed');
  const killed = worker({ timeoutMs: 60_000 });
  const abandoned = killed.runDue();
  while (at('/restart').length < 3) await new Promise((r) => setImmediate(r));
  const next = worker();
  assert.equal((await next.runDue()).attempts, 0, 'still held by the killed worker');
  clock.advance(60_000 + 60_000);
  assert.deepEqual(await next.runDue(), { attempts: 1, succeeded: 1, failed: 0 });
  assert.deepEqual(at('/restart').slice(2).map((r) => r.headers['webhook-id']), [id2, id2]);
  // The killed worker's late answer is an attempt on record, but does not move the delivery.
  second.release(500);
  await abandoned;
  const ep = (await db.query(`SELECT id FROM webhook_endpoints WHERE url = $1`, [receiver.url('/restart')]))[0].id;
  const delivery = (await listDeliveries(db, world, ep, 20, 0)).items.find((d) => d.attempts.length === 2)!;
  assert.equal(delivery.status, 'succeeded');
  assert.deepEqual(delivery.attempts.map((x) => [x.attempt, x.succeeded]), [[1, false], [2, true]]);
});

test('two workers on one database (each its own pool) send each event once per endpoint', async () => {
  const { endpoint, event } = await fresh();
  await endpoint('/twice-a');
  await endpoint('/twice-b', ['order.created']);
  const events = Array.from({ length: 60 }, (_, i) => event(i % 2 === 0 ? 'order.created' : 'order.updated', { i }));
  const ids = await db.transaction((tx) => recordEvents(tx, events));
  const other = openPostgres(testDatabaseUrl(), { schema: (await db.query<{ s: string }>('SELECT current_schema() AS s'))[0].s, max: 10 });
  try {
    const [x, y] = await Promise.all([worker().runDue(), worker({ on: other }).runDue()]);
    assert.equal(x.attempts + y.attempts, 90);
    const a = at('/twice-a').map((r) => r.headers['webhook-id']);
    const b = at('/twice-b').map((r) => r.headers['webhook-id']);
    assert.deepEqual([...a].sort(), [...ids].sort());
    assert.deepEqual([...b].sort(), ids.filter((_, i) => i % 2 === 0).sort());
  } finally {
    await other.close();
  }
});
