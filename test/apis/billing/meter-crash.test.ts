// npm test: first pass only (runs its own embedded PostgreSQL)
/**
 * Metering under `kill -9`: clients post meter events (batches and single events, each with its
 * own idempotency_key, some repeating an acknowledged key) to a real server with a small meter
 * buffer, until the server is killed. After a restart on the same data directory, every event
 * the server acknowledged is stored exactly once, with the id it was answered with; none that
 * was refused (400, 409, 429) is stored; no key has two events; and repeating an
 * acknowledged key is still refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataDirectory, operator, startServerProcess } from '../../helpers/server-process.ts';
import { uuidToUlid } from '../../../src/platform/ids.ts';

/** An event's uuid as the API writes it. */
const eventId = (uuid: string) => `uevt_${uuidToUlid(uuid).toLowerCase()}`;

// The server runs on its own embedded PostgreSQL: once, in the embedded run.
const skip = process.env.KONTOR_TEST_DB === 'postgres' ? 'runs on its own embedded PostgreSQL, in the embedded run' : false;
// Small enough that the load meets meter_buffer_full too.
const SERVER_ENV = { METER_BUFFER_EVENTS: '300', RATE_LIMIT_PER_MINUTE: '10000000' };

test('meter events killed mid-load: every acknowledged event stored once, none refused, keys still refuse repeats after the restart', { skip, timeout: 120_000 }, async (t) => {
  const { dir, dispose } = await dataDirectory();
  t.after(dispose);
  let server = await startServerProcess(dir, SERVER_ENV);
  t.after(() => void server.child.kill('SIGKILL'));
  const org = JSON.parse(await operator(dir, 'orgs', 'create', '--name', 'Metered', '--json')).id;
  const { secret } = JSON.parse(await operator(dir, 'keys', 'create', '--org', org, '--surface', 'billing', '--scopes', 'billing:read,billing:write', '--json'));
  const headers = { 'x-api-key': secret, 'x-tenant-id': 'acme', 'content-type': 'application/json' };
  const post = (base: string, url: string, body: unknown) => fetch(base + url, { method: 'POST', headers, body: JSON.stringify(body) });

  const acknowledged = new Map<string, string>(); // idempotency_key → the event id answered
  const refused = new Set<string>(); // keys of events refused before they were ever acknowledged
  let killed = false;
  const counts = { batches: 0, full: 0, duplicates: 0 };
  const event = (key: string) => ({ feature_key: 'api_calls', quantity: 1, idempotency_key: key });
  const batchClients = Array.from({ length: 4 }, async (_, c) => {
    for (let n = 0; !killed; n++) {
      const keys = Array.from({ length: 40 }, (_, i) => `b${c}-${n}-${i}`);
      // Every third batch repeats an acknowledged key; every seventh holds an invalid event.
      const repeat = n % 3 === 2 ? [...acknowledged.keys()][n % Math.max(1, acknowledged.size)] : undefined;
      const invalid = n % 7 === 6;
      const events = keys.map(event);
      if (repeat) events.push(event(repeat));
      if (invalid) events.push({ ...event(`b${c}-${n}-bad`), quantity: -1 });
      try {
        const res = await post(server.base, '/ledger/meter/events/batch', { events });
        const body = await res.json();
        if (res.status === 202) {
          counts.batches++;
          body.results.forEach((r: any, i: number) => {
            if (r.status === 'buffered') acknowledged.set(events[i].idempotency_key, r.id);
            else counts.duplicates++;
          });
          if (repeat) assert.equal(body.results.at(-1).status, 'rejected', 'a repeated key is rejected');
        } else if (res.status === 429 || res.status === 400) {
          if (res.status === 429) counts.full++;
          else assert.ok(invalid, JSON.stringify(body));
          for (const e of events) if (!acknowledged.has(e.idempotency_key)) refused.add(e.idempotency_key);
        } else assert.fail(`unexpected ${res.status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        return; // the server went away mid-request: these events' outcome is unknown
      }
    }
  });
  const singleClients = Array.from({ length: 4 }, async (_, c) => {
    for (let n = 0; !killed; n++) {
      const key = `s${c}-${n}`;
      try {
        const res = await post(server.base, '/ledger/meter/events', event(key));
        const body = await res.json();
        if (res.status === 202) acknowledged.set(key, body.id);
        else if (res.status === 429) refused.add(key);
        else assert.fail(`unexpected ${res.status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        return;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  killed = true;
  server.child.kill('SIGKILL');
  await Promise.all([...batchClients, ...singleClients]);
  await server.exited;
  assert.ok(acknowledged.size >= 200, `only ${acknowledged.size} events were acknowledged before the kill`);
  t.diagnostic(`${acknowledged.size} events acknowledged (${counts.batches} batches and single events), ${refused.size} refused (400, 429) (${counts.full} full-buffer batches), ${counts.duplicates} repeats rejected`);

  server = await startServerProcess(dir, SERVER_ENV);
  try {
    const { default: pg } = await import('pg');
    const client = new pg.Client((await operator(dir, 'db', 'url')).trim());
    await client.connect();
    const { rows } = await client.query<{ key: string; ids: string[] }>(
      `SELECT idempotency_key AS key, array_agg(id::text) AS ids FROM billing_usage_events WHERE tenant_id = 'acme' GROUP BY 1`,
    );
    await client.end();
    const stored = new Map(rows.map((r) => [r.key, r.ids]));
    for (const [key, ids] of stored) assert.equal(ids.length, 1, `${key} is stored ${ids.length} times`);
    for (const [key, id] of acknowledged) {
      assert.ok(stored.has(key), `${key} was acknowledged as ${id} but is gone`);
      assert.equal(eventId(stored.get(key)![0]), id, `${key} is stored under another id`);
    }
    for (const key of refused) assert.ok(!stored.has(key), `${key} was refused but is stored`);
    // The keys survived the crash with their events: an acknowledged key is still refused.
    const [someKey] = acknowledged.keys();
    const again = await post(server.base, '/ledger/meter/events', event(someKey));
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, 'duplicate_event');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
