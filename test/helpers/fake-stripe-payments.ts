import { randomBytes } from 'node:crypto';

/**
 * The write side of the fake Stripe (test/helpers/fake-stripe.ts): customers, PaymentMethods
 * from test tokens, attach/detach, PaymentIntents confirmed off-session, refunds. Stripe's
 * Idempotency-Key semantics: a repeated key answers the first answer, and creates nothing;
 * `charges` counts PaymentIntents really created, so a test can prove a retry never charged
 * twice. Tokens: `tok_visa…` (4242), `tok_mastercard` (4444), `tok_chargeDeclined` (a card
 * whose charges are declined, 0002); any other token is "No such token".
 */
export interface StripePaymentsState {
  customers: Map<string, any>;
  paymentMethods: Map<string, any>;
  intents: Map<string, any>;
  refunds: Map<string, any>;
  /** PaymentIntents created (not idempotent replays). */
  charges: number;
  /** The status the next confirmed PaymentIntents get instead of succeeded (e.g. processing). */
  intentStatus: string | null;
  idempotent: Map<string, { status: number; body: unknown }>;
}

export const newPaymentsState = (): StripePaymentsState => ({ customers: new Map(), paymentMethods: new Map(), intents: new Map(), refunds: new Map(), charges: 0, intentStatus: null, idempotent: new Map() });

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const CARDS: Record<string, { brand: string; last4: string; declines?: boolean }> = {
  tok_visa: { brand: 'visa', last4: '4242' },
  tok_mastercard: { brand: 'mastercard', last4: '4444' },
  tok_chargeDeclined: { brand: 'visa', last4: '0002', declines: true },
};
const cardFor = (token: string) => CARDS[token] ?? (token.startsWith('tok_visa') ? CARDS.tok_visa : null);

const invalid = (message: string, param?: string) => ({ status: 400, body: { error: { type: 'invalid_request_error', message, ...(param ? { param } : {}) } } });
const metadataOf = (form: URLSearchParams) => Object.fromEntries([...form].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));

/** Answers a POST or DELETE, or null when the path is not one of these. */
export function paymentsRequest(state: StripePaymentsState, method: string, path: string, form: URLSearchParams, key: string | undefined): { status: number; body: unknown } | null {
  if (key && state.idempotent.has(`${method} ${path} ${key}`)) return state.idempotent.get(`${method} ${path} ${key}`)!;
  const answer = route(state, method, path, form);
  if (answer && key) state.idempotent.set(`${method} ${path} ${key}`, answer);
  return answer;
}

function route(state: StripePaymentsState, method: string, path: string, form: URLSearchParams): { status: number; body: unknown } | null {
  let m: RegExpExecArray | null;
  if (method === 'POST' && path === '/v1/customers') {
    const customer = { id: id('cus'), object: 'customer', email: form.get('email'), name: form.get('name'), metadata: metadataOf(form), created: now() };
    state.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }
  if (method === 'POST' && path === '/v1/payment_methods') {
    const token = form.get('card[token]') ?? '';
    const card = cardFor(token);
    if (!card) return invalid(`No such token: '${token}'`, 'card[token]');
    const pm = { id: id('pm'), object: 'payment_method', type: 'card', customer: null, card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2030 }, declines: card.declines === true, created: now() };
    state.paymentMethods.set(pm.id, pm);
    return { status: 200, body: pm };
  }
  if (method === 'POST' && (m = /^\/v1\/payment_methods\/([^/]+)\/(attach|detach)$/.exec(path))) {
    const pm = state.paymentMethods.get(m[1]);
    if (!pm) return invalid(`No such PaymentMethod: '${m[1]}'`);
    if (m[2] === 'attach') {
      const customer = form.get('customer') ?? '';
      if (!state.customers.has(customer)) return invalid(`No such customer: '${customer}'`, 'customer');
      pm.customer = customer;
    } else pm.customer = null;
    return { status: 200, body: pm };
  }
  if (method === 'POST' && path === '/v1/payment_intents') {
    const pm = state.paymentMethods.get(form.get('payment_method') ?? '');
    if (!pm || pm.customer !== form.get('customer')) return invalid('The payment method is not attached to this customer.', 'payment_method');
    state.charges++;
    const intent: any = {
      id: id('pi'),
      object: 'payment_intent',
      amount: Number(form.get('amount')),
      amount_received: 0,
      currency: form.get('currency'),
      customer: form.get('customer'),
      payment_method: pm.id,
      metadata: metadataOf(form),
      description: form.get('description'),
      status: 'succeeded',
      latest_charge: id('ch'),
      last_payment_error: null,
      created: now(),
    };
    state.intents.set(intent.id, intent);
    if (pm.declines) {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' };
      return { status: 402, body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', payment_intent: intent } } };
    }
    intent.status = state.intentStatus ?? 'succeeded';
    if (intent.status === 'succeeded') intent.amount_received = intent.amount;
    return { status: 200, body: intent };
  }
  if (method === 'POST' && path === '/v1/refunds') {
    const intent = state.intents.get(form.get('payment_intent') ?? '');
    if (!intent || intent.status !== 'succeeded') return invalid('This PaymentIntent has no successful charge to refund.', 'payment_intent');
    const refunded = [...state.refunds.values()].filter((r) => r.payment_intent === intent.id).reduce((sum, r) => sum + r.amount, 0);
    const amount = form.has('amount') ? Number(form.get('amount')) : intent.amount - refunded;
    if (amount <= 0 || refunded + amount > intent.amount) return invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${intent.amount - refunded})`, 'amount');
    const refund = { id: id('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id, charge: intent.latest_charge, metadata: metadataOf(form), status: 'succeeded', created: now() };
    state.refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  }
  return null;
}
