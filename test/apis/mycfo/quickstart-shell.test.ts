import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { jsonValues } from '../../../scripts/openapi-files.ts';

const run = promisify(execFile);
const REFERENCE = new URL('../../../../shared/seeds/002_eb8a71bea8962d7d.txt', import.meta.url);

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(async () => t.close());

// The reference's own shell session (curl + python3), verbatim but for the host.
test('the quickstart at the end of the reference runs verbatim against Kontor', { skip: !(await readFile(REFERENCE).catch(() => null)) && 'reference not beside the checkout' }, async () => {
  const reference = await readFile(REFERENCE, 'utf8');
  const script = reference.slice(reference.indexOf('# 1. Register')).replaceAll('https://mycfo.vercel.app', base);
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `${script}\necho "WS=$WS FC=$FC"`], { timeout: 60_000 });
  const [ws, fc] = /WS=(ws_\w+) FC=(fc_\w+)/.exec(stdout)!.slice(1);
  assert.ok(ws && fc, stdout);
  // Steps 3 and 4 print ingest results; step 5 the metrics; 7 the scenario; 8 the alerts.
  // curl prints the bodies back to back.
  const objects = [...jsonValues(stdout)] as any[];
  const ingests = objects.filter((o) => o.status === 'completed');
  assert.deepEqual(ingests.map((o) => o.inserted), [2, 1]);
  const metrics = objects.find((o) => o.as_of === '2026-02-28');
  assert.equal(metrics.mrr_cents, 250000);
  assert.equal(metrics.one_time_expenses_cents_30d, 500000);
  const scenario = objects.find((o) => o.baseline_forecast_id === fc);
  assert.deepEqual(scenario.delta, { type: 'price_change', pct: 0.1 });
  assert.ok(objects.some((o) => Array.isArray(o.data)), 'alerts listed');
});
