import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A stand-in for Paddle Billing's API on loopback: customers (409 on a known email),
 * saved payment methods (made by `savePaymentMethod`, as Paddle Checkout would), their get
 * and delete, automatically-collected transactions (`completed`, or `past_due` on a declining
 * method), transaction lists by customer, adjustments (refunds, `approved` at once as the
 * sandbox does eventually). `{data, meta}` answers, `{error: {type, code, detail}}` errors,
 * Bearer auth. `charges` counts transactions created.
 */
export interface FakePaddle {
  url: string;
  key: string;
  customers: Map<string, any>;
  methods: Map<string, any>;
  transactions: Map<string, any>;
  adjustments: Map<string, any>;
  charges: number;
  /** When set, the status of the transactions made from now on (e.g. `billed`: not collected yet), whatever the method. */
  transactionStatus: string | null;
  requests: { method: string; path: string }[];
  /** A payment method saved on `customerId` (a Paddle Checkout with "save" ticked); `declines` makes its charges fail. */
  savePaymentMethod(customerId: string, options?: { declines?: boolean; last4?: string; brand?: string }): string;
  close(): Promise<void>;
}

const pid = (prefix: string) => `${prefix}_${randomBytes(13).toString('hex').slice(0, 26)}`;
const iso = () => new Date().toISOString();

export async function startFakePaddle(key = `pdl_sdbx_apikey_${randomBytes(12).toString('hex')}`): Promise<FakePaddle> {
  const fake = { url: '', key, customers: new Map(), methods: new Map(), transactions: new Map(), adjustments: new Map(), charges: 0, transactionStatus: null, requests: [] } as unknown as FakePaddle;
  fake.savePaymentMethod = (customerId, options = {}) => {
    const id = pid('paymtd');
    fake.methods.set(id, {
      id,
      customer_id: customerId,
      address_id: pid('add'),
      type: 'card',
      card: { type: options.brand ?? 'visa', last4: options.last4 ?? '4242', expiry_month: 11, expiry_year: 2031, cardholder_name: 'Alice' },
      saved_at: iso(),
      declines: options.declines === true,
    });
    return id;
  };
  const error = (status: number, code: string, detail: string) => ({ status, body: { error: { type: 'request_error', code, detail }, meta: { request_id: randomBytes(8).toString('hex') } } });
  const data = (value: unknown, status = 200) => ({ status, body: { data: value, meta: { request_id: randomBytes(8).toString('hex') } } });

  function route(method: string, url: URL, body: any): { status: number; body: unknown } {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/customers') {
      const known = [...fake.customers.values()].find((c) => c.email === body.email);
      if (known) return error(409, 'customer_already_exists', `customer email conflicts with customer of id ${known.id}`);
      const customer = { id: pid('ctm'), email: body.email, name: body.name, custom_data: body.custom_data ?? null, status: 'active', created_at: iso() };
      fake.customers.set(customer.id, customer);
      return data(customer, 201);
    }
    if (method === 'GET' && path === '/customers') return data([...fake.customers.values()].filter((c) => c.email === url.searchParams.get('email')));
    if ((m = /^\/customers\/([^/]+)\/payment-methods\/([^/]+)$/.exec(path))) {
      const pm = fake.methods.get(m[2]);
      if (!pm || pm.customer_id !== m[1]) return error(404, 'entity_not_found', 'Entity not found');
      if (method === 'DELETE') {
        fake.methods.delete(m[2]);
        return { status: 204, body: null };
      }
      const { declines: _d, ...shown } = pm;
      return data(shown);
    }
    if (method === 'GET' && path === '/transactions') return data([...fake.transactions.values()].filter((t) => t.customer_id === url.searchParams.get('customer_id')).reverse());
    if (method === 'GET' && (m = /^\/transactions\/([^/]+)$/.exec(path))) {
      const txn = fake.transactions.get(m[1]);
      return txn ? data(txn) : error(404, 'entity_not_found', 'Entity not found');
    }
    if (method === 'POST' && path === '/transactions') {
      if (!fake.customers.has(body.customer_id)) return error(400, 'bad_request', 'customer_id is invalid');
      const pm = fake.methods.get(body.custom_data?.kontor_payment_method);
      fake.charges++;
      const amount = body.items[0].price.unit_price.amount;
      const txn = {
        id: pid('txn'),
        status: fake.transactionStatus ?? (pm && !pm.declines ? 'completed' : 'past_due'),
        customer_id: body.customer_id,
        currency_code: body.currency_code,
        collection_mode: body.collection_mode,
        custom_data: body.custom_data,
        details: { totals: { grand_total: amount, total: amount }, line_items: [{ id: pid('txnitm'), quantity: 1, totals: { total: amount } }] },
        created_at: iso(),
      };
      fake.transactions.set(txn.id, txn);
      return data(txn, 201);
    }
    if (method === 'GET' && path === '/adjustments') return data([...fake.adjustments.values()].filter((a) => a.transaction_id === url.searchParams.get('transaction_id')));
    if (method === 'POST' && path === '/adjustments') {
      const txn = fake.transactions.get(body.transaction_id);
      if (!txn || txn.status !== 'completed') return error(400, 'transaction_status_invalid', 'transaction must be completed');
      const amount = body.type === 'full' ? txn.details.totals.grand_total : body.items[0].amount;
      const adjustment = { id: pid('adj'), action: body.action, type: body.type, transaction_id: txn.id, reason: body.reason, status: 'approved', custom_data: body.custom_data, totals: { total: amount }, created_at: iso() };
      fake.adjustments.set(adjustment.id, adjustment);
      return data(adjustment, 201);
    }
    return error(404, 'not_found', `no route ${method} ${path}`);
  }

  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    fake.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const text = await read(req);
    const answer = req.headers.authorization !== `Bearer ${fake.key}` ? error(403, 'forbidden', 'You are not authorized') : route(req.method ?? 'GET', url, text ? JSON.parse(text) : null);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body === null ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return fake;
}
