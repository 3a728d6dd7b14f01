import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../../helpers/app.ts';
import { assertError, billingApp } from '../../helpers/billing.ts';

const event = (n: number) => ({ feature_key: 'api_calls', quantity: 1, idempotency_key: `e${n}` });

test('a full meter buffer answers 429 meter_buffer_full at once (METER_BUFFER_EVENTS), stores nothing of the refused request, and keeps no Idempotency-Key answer', async (t) => {
  // Groups linger 500 ms, so the buffer fills before anything commits.
  const app = await startTestApp({ METER_BUFFER_EVENTS: '5', METER_FLUSH_MS: '500' });
  t.after(() => app.close());
  const billing = await billingApp(app);
  const acme = billing.as('acme-corp');
  assertError(await acme('POST', '/ledger/meter/events/batch', { events: [0, 1, 2, 3, 4, 5].map(event) }), 429, 'meter_buffer_full');

  const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => acme('POST', '/ledger/meter/events', event(n))));
  const accepted = answers.filter((r) => r.statusCode === 202);
  const refused = answers.filter((r) => r.statusCode === 429);
  assert.equal(accepted.length + refused.length, 20);
  assert.equal(accepted.length, 5, 'the buffer holds five events');
  for (const r of refused) assertError(r, 429, 'meter_buffer_full');
  const stored = (await acme('GET', '/ledger/meter/events?limit=100')).json();
  assert.deepEqual(stored.data.map((e: any) => e.id).sort(), accepted.map((r) => r.json().id).sort(), 'exactly the acknowledged events');

  // A refused request sent again with its Idempotency-Key runs again (a 429 is not stored).
  const keyed = { 'idempotency-key': 'later' };
  const blockers = Promise.all([0, 1, 2, 3, 4].map((n) => acme('POST', '/ledger/meter/events', event(100 + n))));
  await new Promise((r) => setTimeout(r, 50));
  assertError(await acme('POST', '/ledger/meter/events', event(200), keyed), 429, 'meter_buffer_full');
  await blockers;
  const retried = await acme('POST', '/ledger/meter/events', event(200), keyed);
  assert.equal(retried.statusCode, 202, retried.body);
  assert.equal(retried.headers['idempotent-replayed'], undefined);
});

test('closing the core (what SIGTERM does after the server stops) commits what the meter buffer holds before the database closes', async () => {
  // A group would wait a second for company; the close does not.
  const app = await startTestApp({ METER_FLUSH_MS: '1000' });
  const billing = await billingApp(app);
  const pending = billing.as('acme-corp')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 7 });
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await app.core.close();
  assert.ok(Date.now() - started < 900, 'the close did not wait out the group delay');
  const res = await pending;
  assert.equal(res.statusCode, 202, res.body);
  const rows = await app.db.query<{ quantity: bigint }>(`SELECT quantity FROM billing_usage_events WHERE tenant_id = 'acme-corp'`);
  assert.deepEqual(rows.map((r) => r.quantity), [7n]);
  await app.app.close();
  await app.db.close();
});
