// npm test: first pass only (a browser on the portal's pages; the reads behind them are the invoice and subscription stores, tested on both PostgreSQLs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractText, getDocumentProxy } from 'unpdf';
import type { Browser, BrowserContext } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan } from '../../helpers/billing.ts';
import { BillingScheduler } from '../../../src/billing/scheduler.ts';

const CHROMIUM = '/usr/bin/chromium';

let t: TestApp;
let origin: string;
let browser: Browser | null = null;
let context: BrowserContext | null = null;
let profile: string;

before(async () => {
  t = await startTestApp();
  origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  profile = await mkdtemp(path.join(tmpdir(), 'kontor-chromium-'));
});
after(async () => {
  await context?.close();
  await browser?.close();
  await t.close();
  await rm(profile, { recursive: true, force: true });
});

/** Debian's chromium, driven by playwright-core: missing, the test fails and says how to install it (CI's .ci/run does). */
async function openBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does this in CI)`);
  const { chromium } = await import('playwright-core');
  // A persistent context in a fresh user-data directory: nothing of another run's profile.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser = context.browser();
  return context;
}

const metered = simplePlan('metered', 4900, {
  features: [{ key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000, period: 'monthly' }],
  pricing: { base_amount: { amount: 4900 }, billing_period: 'monthly', tiers: [{ feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 3 } }] },
});

test("the portal shows one customer's invoices, PDFs, payments and payment methods, cancels at period end, and refuses expired or altered links", async () => {
  const scheduler = new BillingScheduler(t.db, t.core.writes, t.clock, () => {}, t.core.ledger);
  t.clock.set('2025-01-15T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', metered);
  // A name that is HTML: the page must show it as text.
  const acme = await app.made('/ledger/customers', { name: 'Acme <b>Corp</b> & "Sons"', email: 'billing@acme.example' }, { 'x-tenant-id': 'acme' });
  await app.made('/ledger/customers', { name: 'Globex', email: 'billing@globex.example' }, { 'x-tenant-id': 'globex' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  await app.made('/ledger/subscriptions', { tenant_id: 'globex', plan_id: plan.id });
  t.clock.set('2025-01-20T00:00:00.000Z');
  assert.equal((await app.as('acme')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1500 })).statusCode, 202);
  t.clock.set('2025-02-15T00:00:05.000Z');
  await scheduler.runDue(t.clock.now());
  const [january] = (await app.call('GET', `/ledger/customers/${acme.id}/invoices`)).json().data;
  assert.equal(january.total.amount, 6400);
  assert.equal((await app.call('POST', `/ledger/invoices/${january.id}/pay`, { payment_ref: 'wire-42' })).statusCode, 200);
  t.clock.set('2025-03-15T00:00:05.000Z');
  await scheduler.runDue(t.clock.now());
  const acmeInvoices = (await app.call('GET', `/ledger/customers/${acme.id}/invoices`)).json().data;
  const globexNumbers = (await app.as('globex')('GET', '/ledger/invoices')).json().data.map((i: any) => i.number);
  assert.equal(acmeInvoices.length, 2);
  assert.equal(globexNumbers.length, 2);

  // The API: a return URL must be http(s); another app's key finds no such customer.
  assertError(await app.call('POST', `/ledger/customers/${acme.id}/portal`, { return_url: 'javascript:alert(1)' }), 400, 'invalid_input', 'return_url');
  const other = await billingApp(t);
  assertError(await other.call('POST', `/ledger/customers/${acme.id}/portal`, {}), 404, 'customer_not_found');
  const res = await fetch(`${origin}/ledger/customers/${acme.id}/portal`, {
    method: 'POST',
    headers: { ...app.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ return_url: 'https://myapp.example/billing' }),
  });
  assert.equal(res.status, 200);
  const session = await res.json();
  assert.deepEqual(Object.keys(session).sort(), ['expires_at', 'url']);
  assert.match(session.url, new RegExp(`^${origin}/portal/session/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
  // One hour (BILLING_PORTAL_TTL_SECONDS' default) from now.
  assert.equal(session.expires_at, '2025-03-15T01:00:05.000Z');

  const page = await (await openBrowser()).newPage();
  const shown = await page.goto(session.url);
  assert.equal(shown!.status(), 200);
  assert.equal(shown!.headers()['referrer-policy'], 'no-referrer');
  const body = await page.locator('body').innerText();
  assert.ok(body.includes('Acme <b>Corp</b> & "Sons"'), 'the name shows as text');
  assert.equal(await page.locator('b').count(), 0, 'no markup from data');
  assert.equal(await page.getByRole('link', { name: /Back to/ }).getAttribute('href'), 'https://myapp.example/billing');

  // Invoices: acme's two, none of globex's.
  const rows = page.locator('#invoices tbody tr');
  assert.equal(await rows.count(), 2);
  const invoicesText = await page.locator('#invoices').innerText();
  for (const i of acmeInvoices) assert.ok(invoicesText.includes(i.number), i.number);
  for (const n of globexNumbers) assert.ok(!invoicesText.includes(n), n);
  assert.ok(invoicesText.includes('$64.00') && invoicesText.includes('$49.00'));
  // Payments: the paid January invoice; payment methods: none (no provider).
  const payments = await page.locator('#payments tbody tr').allInnerTexts();
  assert.equal(payments.length, 1);
  assert.match(payments[0], new RegExp(`${january.number}[\\s\\S]*succeeded[\\s\\S]*\\$64\\.00[\\s\\S]*wire-42`));
  assert.match(await page.locator('#payment-methods').innerText(), /No payment methods on file/);

  // The PDF of the January invoice, downloaded by the browser.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`tr[data-invoice="${january.number}"] a`).click()]);
  const pdf = await readFile((await download.path())!);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  assert.ok(text.includes(january.number) && text.includes('$64.00'), text);
  // Another customer's invoice through this link: not found, nothing of it.
  const [globexInvoice] = (await app.as('globex')('GET', '/ledger/invoices')).json().data;
  const foreign = await page.goto(`${session.url}/invoices/${globexInvoice.id}/pdf`);
  assert.equal(foreign!.status(), 404);
  await page.goto(session.url);

  // A cancel without the session's CSRF token is refused and changes nothing.
  const forged = await fetch(`${session.url}/subscriptions/${sub.id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf_token=forged', redirect: 'manual' });
  assert.equal(forged.status, 403);
  assert.equal((await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json().cancel_at, null);

  // Cancel at period end, from the page's form.
  await Promise.all([page.waitForURL(/done=canceled/), page.locator(`tr[data-subscription="${sub.id}"] button`).click()]);
  assert.match(await page.getByRole('status').innerText(), /end at the end of its current period/);
  assert.equal(await page.locator(`tr[data-subscription="${sub.id}"] [data-test="cancel-at"]`).innerText(), 'Cancels on 2025-04-15');
  const after = (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
  assert.equal(after.status, 'active');
  assert.equal(after.cancel_at, '2025-04-15T00:00:00.000Z');
  assert.equal(after.cancel_at, after.current_period_end);

  // An altered link (one character in the middle of the signature changed): a clear page, no data.
  const at = session.url.length - 10;
  const tampered = await page.goto(session.url.slice(0, at) + (session.url[at] === 'A' ? 'B' : 'A') + session.url.slice(at + 1));
  assert.equal(tampered!.status(), 403);
  assert.match(await page.locator('h1').innerText(), /not valid/);
  assert.ok(!(await page.content()).includes('Acme'));
  // An expired link: a clear page, no data.
  t.clock.advance(3600_000 + 1000);
  const expired = await page.goto(session.url);
  assert.equal(expired!.status(), 410);
  assert.match(await page.locator('h1').innerText(), /expired/);
  const content = await page.content();
  assert.ok(!content.includes('Acme') && !content.includes(january.number));
  await page.close();
});
