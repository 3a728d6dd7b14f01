import test from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/db.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { eventUuid, recordEvent, recordEvents } from '../../src/platform/webhooks/outbox.ts';
import { parseExact } from '../../src/platform/exact-json.ts';

test('the outbox records an event in the caller’s transaction, and nothing when it rolls back', async () => {
  const db = await openTestDb({ max: 4 });
  try {
    const clock = new ManualClock(new Date());
    const org = await createOrg(db, clock, { name: 'Outbox' });
    const at = new Date('2026-03-01T10:00:00.123Z');
    const id = await db.transaction((tx) => recordEvent(tx, { orgId: org.id, mode: 'sandbox', surface: 'billing', type: 'subscription.created', data: { amount: 9007199254740993n, id: 'sub_x' }, at }));
    assert.match(id, /^msg_[0-9a-z]{26}$/);
    const [row] = await db.query(`SELECT org_id, surface, mode, type, body, occurred_at FROM webhook_events WHERE id = $1`, [eventUuid(id)]);
    assert.equal(row.surface, 'billing');
    assert.equal(row.mode, 'sandbox');
    assert.equal(row.type, 'subscription.created');
    assert.deepEqual(row.occurred_at, at);
    // The exact bytes every attempt will send: {id, type, timestamp, data}, big integers exact.
    assert.equal(row.body, `{"id":"${id}","type":"subscription.created","timestamp":"2026-03-01T10:00:00.123Z","data":{"amount":9007199254740993,"id":"sub_x"}}`);
    assert.equal(parseExact(row.body).data.amount, 9007199254740993n);

    await assert.rejects(
      db.transaction(async (tx) => {
        await recordEvents(tx, [{ orgId: org.id, mode: 'live', surface: 'billing', type: 'customer.created', data: {}, at }]);
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events`);
    assert.equal(n, 1);
    assert.deepEqual(await db.transaction((tx) => recordEvents(tx, [])), []);

    // One pending delivery per endpoint of the same org, surface and mode whose filter takes the type.
    const endpoint = async (id: string, mode: string, types: string[], surface = 'billing') =>
      db.query(`INSERT INTO webhook_endpoints (org_id, surface, mode, id, url, description, event_types, secret, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 'https://example.com/hook', '', $5, 'whsec_x', now(), now())`, [org.id, surface, mode, id, types]);
    await endpoint('00000000-0000-7000-8000-000000000001', 'live', []);
    await endpoint('00000000-0000-7000-8000-000000000002', 'live', ['customer.created']);
    await endpoint('00000000-0000-7000-8000-000000000003', 'live', ['subscription.created']);
    await endpoint('00000000-0000-7000-8000-000000000004', 'sandbox', []);
    await endpoint('00000000-0000-7000-8000-000000000005', 'live', [], 'ledgerbee');
    const [created] = await db.transaction((tx) => recordEvents(tx, [{ orgId: org.id, mode: 'live', surface: 'billing', type: 'customer.created', data: {}, at }]));
    const deliveries = await db.query(`SELECT endpoint_id, status, attempts FROM webhook_deliveries WHERE event_id = $1 ORDER BY endpoint_id`, [eventUuid(created)]);
    assert.deepEqual(deliveries.map((d) => [d.endpoint_id.slice(-1), d.status, d.attempts]), [['1', 'pending', 0], ['2', 'pending', 0]]);
    // A test event goes to the one endpoint named, whatever its filter.
    const [only] = await db.transaction((tx) => recordEvents(tx, [{ orgId: org.id, mode: 'live', surface: 'billing', type: 'webhook.test', data: {}, at, endpointId: '00000000-0000-7000-8000-000000000003' }]));
    assert.deepEqual((await db.query(`SELECT endpoint_id FROM webhook_deliveries WHERE event_id = $1`, [eventUuid(only)])).map((d) => d.endpoint_id.slice(-1)), ['3']);
  } finally {
    await db.close();
  }
});
