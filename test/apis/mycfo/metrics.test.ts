import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';
import { ingestRows } from '../../../src/mycfo/ingest.ts';
import { cfoDeps } from '../../../src/mycfo/workspaces.ts';
import { parseId } from '../../../src/platform/ids.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  t.clock.set('2026-03-10T12:00:00Z');
});
after(async () => t.close());

test("the reference's metrics example, figure by figure", async () => {
  const { call, workspace, org } = await mycfoTenant(t);
  const ws = await workspace();
  // Recurring revenue 2,150,000 and one-time 250,000: gross 2,400,000.
  await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, {
    revenue: [
      { subtype: 'recurring', amount_cents: 2000000, occurred_at: '2026-02-01' },
      { subtype: 'recurring', amount_cents: 150000, occurred_at: '2026-02-28' },
      { subtype: 'one_time', amount_cents: 250000, occurred_at: '2026-01-30' }, // as_of − 29: inside
      { subtype: 'one_time', amount_cents: 999999, occurred_at: '2026-01-29' }, // as_of − 30: outside
      { subtype: 'recurring', amount_cents: 777777, occurred_at: '2026-03-01' }, // after as_of: outside
    ],
  });
  // A refund of 80,000 (refunds come from Stripe; posted here through the same domain call).
  await t.db.transaction((tx) =>
    ingestRows(tx, cfoDeps(t.core), parseId('org', org.id)!, parseId('ws', ws.id)!, [
      { subtype: 'refund', amountCents: -80000n, currency: 'USD', occurredAt: new Date('2026-02-20T10:00:00Z'), externalId: 're_1' },
    ], 'stripe'),
  );
  // Expenses: recurring 2,670,000 and one-time 130,000.
  await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, {
    expenses: [
      { subtype: 'recurring_expense', amount_cents: 2670000, occurred_at: '2026-02-05', vendor: 'Payroll' },
      { subtype: 'one_time_expense', amount_cents: 130000, occurred_at: '2026-02-15T23:59:59Z', vendor: 'Laptop' },
    ],
  });
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`)).json();
  // By hand: gross = 2,150,000 + 250,000; net = gross − 80,000; total expenses 2,800,000;
  // burn = 2,800,000 − 2,320,000; recurring burn = 2,670,000 − 2,320,000; runway = 5,000,000 / 350,000 = 14.2857…
  assert.deepEqual(m, {
    as_of: '2026-02-28',
    currency: 'USD',
    gross_revenue_cents_30d: 2400000,
    refunds_cents_30d: -80000,
    net_revenue_cents_30d: 2320000,
    mrr_cents: 2150000,
    arr_cents: 25800000,
    burn_cents_30d: 480000,
    recurring_burn_cents_30d: 350000,
    one_time_expenses_cents_30d: 130000,
    cash_on_hand_cents: 5000000,
    runway_months: 14.29,
    warnings: [],
  });
});

test('as_of defaults to today (UTC) from the clock', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: 100, occurred_at: '2026-03-10' }] });
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics`)).json();
  assert.equal(m.as_of, '2026-03-10');
  assert.equal(m.mrr_cents, 100);
});

test('without cash, runway is null and missing_cash is warned', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace({ name: 'No cash' });
  await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'recurring_expense', amount_cents: 1000, occurred_at: '2026-03-01' }] });
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-03-05`)).json();
  assert.equal(m.cash_on_hand_cents, null);
  assert.equal(m.runway_months, null);
  assert.equal(m.warnings[0].code, 'missing_cash');
});

test('a deleted transaction leaves the metrics by a reversal on its own date', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: 5000, occurred_at: '2026-02-10' }, { subtype: 'one_time', amount_cents: 700, occurred_at: '2026-02-11' }] });
  const list = (await call('GET', `/v1/workspaces/${ws.id}/transactions?subtype=recurring`)).json();
  assert.equal(list.data.length, 1);
  assert.equal((await call('DELETE', `/v1/workspaces/${ws.id}/transactions/${list.data[0].id}`)).statusCode, 204);
  assert.equal((await call('DELETE', `/v1/workspaces/${ws.id}/transactions/${list.data[0].id}`)).statusCode, 404);
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`)).json();
  assert.equal(m.mrr_cents, 0);
  assert.equal(m.gross_revenue_cents_30d, 700);
  const rest = (await call('GET', `/v1/workspaces/${ws.id}/transactions`)).json();
  assert.deepEqual(rest.data.map((r: any) => r.subtype), ['one_time']);
  // The ledger keeps both the entry and its reversal.
  const [{ n }] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM entries e JOIN cfo_workspaces w ON w.org_id = e.org_id AND w.ledger_id = e.ledger_id WHERE w.id = $1`,
    [parseId('ws', ws.id)],
  );
  assert.equal(n, 3);
});
