import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { newPaymentsState, paymentsRequest, type StripePaymentsState } from './fake-stripe-payments.ts';

/**
 * A small stand-in for the Stripe API on loopback (no stripe-mock binary here): the list
 * endpoints an import reads, with Stripe's list envelope, `limit` / `starting_after`
 * cursors (pages capped at `maxPageSize`, 3 by default, so pagination is exercised), object
 * shapes of the SDK's pinned API version, Stripe's 401 body for a wrong key, and a switch
 * to answer 500.
 */

export interface FakeStripeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface FakeStripe {
  url: string;
  /** The one key the fake accepts (Authorization: Bearer …). */
  key: string;
  data: {
    invoices: any[];
    charges: any[];
    refunds: any[];
    invoice_payments: any[];
    subscriptions: any[];
  };
  requests: FakeStripeRequest[];
  /** When set, requests (all, or those `when` picks) get this status with Stripe's api_error body. */
  fail: { status: number; when?: (request: FakeStripeRequest) => boolean } | null;
  maxPageSize: number;
  /** Customers, payment methods, PaymentIntents and refunds (billing's payments), with Idempotency-Key replays. */
  payments: StripePaymentsState;
  close(): Promise<void>;
}

const LIST_PATHS: Record<string, keyof FakeStripe['data']> = {
  '/v1/invoices': 'invoices',
  '/v1/charges': 'charges',
  '/v1/refunds': 'refunds',
  '/v1/invoice_payments': 'invoice_payments',
  '/v1/subscriptions': 'subscriptions',
};

export async function startFakeStripe(key = `sk_test_${randomBytes(12).toString('hex')}`): Promise<FakeStripe> {
  const fake = {
    url: '',
    key,
    data: { invoices: [], charges: [], refunds: [], invoice_payments: [], subscriptions: [] },
    requests: [],
    fail: null,
    maxPageSize: 3,
    payments: newPaymentsState(),
  } as unknown as FakeStripe;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}` });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    fake.requests.push(request);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, request, new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
  const answer = (req: IncomingMessage, res: ServerResponse, request: FakeStripeRequest, form: URLSearchParams) => {
    if (fake.fail && (!fake.fail.when || fake.fail.when(request))) {
      return send(res, fake.fail.status, { error: { type: 'api_error', message: 'An unknown error occurred.' } });
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${fake.key}`) {
      const given = auth.replace(/^Bearer /, '');
      return send(res, 401, {
        error: { message: `Invalid API Key provided: ${given.slice(0, 8)}${'*'.repeat(Math.max(0, given.length - 12))}${given.slice(-4)}`, type: 'invalid_request_error' },
      });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') {
      const key = req.headers['idempotency-key'];
      const written = paymentsRequest(fake.payments, req.method ?? 'POST', url.pathname, form, typeof key === 'string' ? key : undefined);
      if (written) return send(res, written.status, written.body);
    }
    const resource = LIST_PATHS[url.pathname];
    if (req.method !== 'GET' || !resource) {
      return send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname}).` } });
    }
    let items = fake.data[resource];
    const status = url.searchParams.get('status');
    if (status && status !== 'all') items = items.filter((o) => o.status === status);
    if (resource === 'subscriptions' && status !== 'all') items = items.filter((o) => o.status !== 'canceled');
    const after = url.searchParams.get('starting_after');
    if (after) {
      const i = items.findIndex((o) => o.id === after);
      if (i < 0) return send(res, 400, { error: { type: 'invalid_request_error', message: `No such object: '${after}'`, param: 'starting_after' } });
      items = items.slice(i + 1);
    }
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), fake.maxPageSize);
    send(res, 200, { object: 'list', url: url.pathname, has_more: items.length > limit, data: items.slice(0, limit) });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

// Object shapes of the pinned API version (2025-03-31 and later): no `invoice` on charges or
// PaymentIntents, an invoice's subscription under `parent.subscription_details`, payments of
// an invoice as InvoicePayment objects.

let serial = 0;
const id = (prefix: string) => `${prefix}_${(++serial).toString().padStart(6, '0')}${randomBytes(5).toString('hex')}`;
export const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function subscription(o: { id?: string; customer?: string; amount: number; currency?: string; created: number; interval?: 'month' | 'year'; status?: string }) {
  const subId = o.id ?? id('sub');
  const currency = o.currency ?? 'usd';
  return {
    id: subId,
    object: 'subscription',
    billing_cycle_anchor: o.created,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    collection_method: 'charge_automatically',
    created: o.created,
    currency,
    customer: o.customer ?? id('cus'),
    description: null,
    ended_at: null,
    items: {
      object: 'list',
      has_more: false,
      url: `/v1/subscription_items?subscription=${subId}`,
      data: [
        {
          id: id('si'),
          object: 'subscription_item',
          created: o.created,
          current_period_start: o.created,
          current_period_end: o.created + 30 * 86400,
          quantity: 1,
          subscription: subId,
          price: {
            id: id('price'),
            object: 'price',
            active: true,
            currency,
            nickname: null,
            product: id('prod'),
            recurring: { interval: o.interval ?? 'month', interval_count: 1, usage_type: 'licensed', meter: null },
            type: 'recurring',
            unit_amount: o.amount,
          },
        },
      ],
    },
    latest_invoice: null,
    livemode: false,
    metadata: {},
    start_date: o.created,
    status: o.status ?? 'active',
  };
}

export function invoice(o: { amount: number; currency?: string; paidAt: number; subscription?: string | null; billing_reason?: string; status?: string; customer?: string }) {
  const sub = o.subscription ?? null;
  return {
    id: id('in'),
    object: 'invoice',
    amount_due: o.amount,
    amount_overpaid: 0,
    amount_paid: (o.status ?? 'paid') === 'paid' ? o.amount : 0,
    amount_remaining: (o.status ?? 'paid') === 'paid' ? 0 : o.amount,
    attempt_count: 1,
    attempted: true,
    billing_reason: o.billing_reason ?? (sub ? 'subscription_cycle' : 'manual'),
    collection_method: 'charge_automatically',
    created: o.paidAt - 3600,
    currency: o.currency ?? 'usd',
    customer: o.customer ?? id('cus'),
    description: null,
    livemode: false,
    metadata: {},
    number: `F00D-${serial.toString().padStart(4, '0')}`,
    parent: sub ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: {}, subscription: sub } } : null,
    period_end: o.paidAt,
    period_start: o.paidAt - 30 * 86400,
    status: o.status ?? 'paid',
    status_transitions: { finalized_at: o.paidAt - 3600, marked_uncollectible_at: null, paid_at: (o.status ?? 'paid') === 'paid' ? o.paidAt : null, voided_at: null },
    subtotal: o.amount,
    total: o.amount,
  };
}

export function charge(o: { amount: number; currency?: string; created: number; payment_intent?: string | null; status?: string; captured?: boolean; amount_refunded?: number }) {
  return {
    id: id('ch'),
    object: 'charge',
    amount: o.amount,
    amount_captured: o.captured === false ? 0 : o.amount,
    amount_refunded: o.amount_refunded ?? 0,
    balance_transaction: id('txn'),
    billing_details: { address: null, email: null, name: null, phone: null },
    captured: o.captured ?? true,
    created: o.created,
    currency: o.currency ?? 'usd',
    customer: null,
    description: null,
    disputed: false,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    outcome: { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
    paid: (o.status ?? 'succeeded') === 'succeeded',
    payment_intent: o.payment_intent === undefined ? id('pi') : o.payment_intent,
    payment_method: id('pm'),
    refunded: (o.amount_refunded ?? 0) >= o.amount,
    status: o.status ?? 'succeeded',
  };
}

export function invoicePayment(o: { invoice: { id: string; amount_paid: number; currency: string; status_transitions: { paid_at: number | null } }; payment_intent?: string; charge?: string }) {
  return {
    id: id('inpay'),
    object: 'invoice_payment',
    amount_paid: o.invoice.amount_paid,
    amount_requested: o.invoice.amount_paid,
    created: o.invoice.status_transitions.paid_at,
    currency: o.invoice.currency,
    invoice: o.invoice.id,
    is_default: true,
    livemode: false,
    payment: o.payment_intent ? { type: 'payment_intent', payment_intent: o.payment_intent } : { type: 'charge', charge: o.charge },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: o.invoice.status_transitions.paid_at },
  };
}

export function refund(o: { charge: { id: string; payment_intent: string | null; currency: string }; amount: number; created: number; status?: string }) {
  return {
    id: id('re'),
    object: 'refund',
    amount: o.amount,
    balance_transaction: id('txn'),
    charge: o.charge.id,
    created: o.created,
    currency: o.charge.currency,
    metadata: {},
    payment_intent: o.charge.payment_intent,
    reason: 'requested_by_customer',
    receipt_number: null,
    status: o.status ?? 'succeeded',
  };
}
