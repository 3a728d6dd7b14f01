import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/platform/db.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { KEY_HELD, storeUsageEvents, type StoreMode, type UsageEventBatch } from '../../src/billing/meter-store.ts';
import { violates } from '../../src/billing/scope.ts';
import { openTestDb } from '../helpers/db.ts';

let db: Db;
let orgId: string;
before(async () => {
  db = await openTestDb({ max: 4 });
  orgId = (await createOrg(db, systemClock, { name: 'meter store' })).id;
});
after(() => db.close());

const at = new Date('2030-01-01T00:00:00Z');
const event = (key: string | null) => ({ id: randomUUID(), featureKey: 'api_calls', quantity: 1n, idempotencyKey: key, at, metadata: {} });
const batch = (tenantId: string, keys: (string | null)[], auditFirst = false): UsageEventBatch => {
  const events = keys.map(event);
  const audit = auditFirst ? { orgId, principalId: 'key', surface: 'billing', operation: 'ingestMeterEvent', requestId: randomUUID(), status: 202, at, id: events[0].id } : null;
  return { scope: { orgId, mode: 'live' }, tenantId, at, events, audit };
};
const storedKeys = async (tenantId: string) =>
  (await db.query<{ k: string | null }>(`SELECT idempotency_key AS k FROM billing_usage_events WHERE tenant_id = $1 ORDER BY created_at, idempotency_key`, [tenantId])).map((r) => r.k);
const audits = async (requestId: string | null) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM write_audit WHERE request_id = $1`, [requestId]))[0].n;

for (const mode of ['new', 'checked'] as StoreMode[]) {
  test(`${mode}: a key repeated within one group is stored once, the first sent winning, across batches; keyless events all stored`, async () => {
    const tenant = `t-${mode}-repeats`;
    const first = batch(tenant, ['a', null, 'b', 'a']);
    const second = batch(tenant, ['b', 'c', null], true);
    const repeatAlone = batch(tenant, ['c'], true);
    const group = await storeUsageEvents(db, [first, second, repeatAlone], new Date(), null, mode);
    assert.deepEqual(
      [...group.refused].sort(),
      [first.events[3].id, second.events[0].id, repeatAlone.events[0].id].sort(),
      'the second a, the second b and the second c',
    );
    assert.deepEqual((await storedKeys(tenant)).sort(), ['a', 'b', 'c', null, null].sort());
    assert.equal(await audits(second.audit!.requestId), 0, "an audit row named after a refused event is not written");
    assert.equal(await audits(repeatAlone.audit!.requestId), 0);
  });
}

test('new: a key already stored fails the whole statement on the unique index, and nothing of it is written; checked refuses that event alone', async () => {
  const tenant = 't-held';
  await storeUsageEvents(db, [batch(tenant, ['held'])], new Date(), null, 'new');
  const group = [batch(tenant, ['fresh-1', 'held'], true), batch('t-held-other', ['held'])];
  const failure = await storeUsageEvents(db, group, new Date(), null, 'new').then(
    () => null,
    (error) => error,
  );
  assert.ok(violates(failure, KEY_HELD), String(failure));
  assert.deepEqual(await storedKeys(tenant), ['held']);
  assert.deepEqual(await storedKeys('t-held-other'), []);
  assert.equal(await audits(group[0].audit!.requestId), 0);

  const checked = await storeUsageEvents(db, group, new Date(), null, 'checked');
  assert.deepEqual([...checked.refused], [group[0].events[1].id]);
  assert.deepEqual((await storedKeys(tenant)).sort(), ['fresh-1', 'held']);
  assert.deepEqual(await storedKeys('t-held-other'), ['held'], 'a key is held per tenant');
  assert.equal(await audits(group[0].audit!.requestId), 1);
});
