import { badToken, providerError, providerTimeout, type ChargeRequest, type ChargeResult, type PaymentProvider, type ProviderCard, type RefundRequest, type RefundResult } from './provider.ts';

/**
 * Paddle Billing through its HTTP API (`Authorization: Bearer <api key>`, JSON, answers
 * `{data, meta}`, errors `{error: {type, code, detail}}`), at a base URL from configuration.
 *
 * - Customers: `POST /customers`; an email Paddle already holds (409) is that customer, found
 *   with `GET /customers?email=…`.
 * - Payment methods cannot be created through Paddle's API: a customer saves one in Paddle
 *   Checkout (Paddle.js), and the client hands Kontor its id (`paymtd_…`) as the token;
 *   Kontor reads it (`GET /customers/{ctm}/payment-methods/{paymtd}`) and keeps what the
 *   reference shows. Removing it deletes it at Paddle.
 * - A charge is an automatically-collected transaction (`POST /transactions`, one
 *   non-catalog item of the amount) on the customer's saved method. Paddle collects
 *   asynchronously: `completed` is succeeded, `past_due` failed, anything else pending until
 *   the `transaction.completed` / `transaction.payment_failed` webhook.
 * - A refund is an adjustment (`POST /adjustments`, action `refund`): `full` for the whole
 *   amount, else a partial adjustment of the transaction's one line item. Paddle approves
 *   refunds later (`pending_approval`): pending until `adjustment.updated`.
 *
 * Paddle's API takes no idempotency key. Each create carries Kontor's key in `custom_data`
 * (`kontor_key`), and a transaction or adjustment is first looked for by that key among the
 * customer's (transaction's) existing ones, so a call repeated after a crash finds the first
 * one instead of charging again.
 */
export class PaddleProvider implements PaymentProvider {
  readonly name = 'paddle' as const;

  constructor(
    private readonly apiKey: string,
    private readonly apiBase: string,
    private readonly timeoutMs = 20_000,
  ) {}

  private async request(method: string, path: string, what: string, body?: unknown): Promise<{ status: number; json: any }> {
    let res: Response;
    try {
      res = await fetch(`${this.apiBase.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw providerTimeout('paddle');
      throw providerError('paddle', what);
    }
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw providerError('paddle', what);
    }
    if (res.status >= 500 || res.status === 429 || res.status === 401 || res.status === 403) throw providerError('paddle', what);
    return { status: res.status, json };
  }

  private async ok(method: string, path: string, what: string, body?: unknown): Promise<any> {
    const { status, json } = await this.request(method, path, what, body);
    if (status >= 300) throw providerError('paddle', what);
    return json?.data;
  }

  async createCustomer(customer: { email: string; name: string; reference: string }, idempotencyKey: string): Promise<string> {
    const made = await this.request('POST', '/customers', 'create the customer', { email: customer.email, name: customer.name, custom_data: { kontor_customer: customer.reference, kontor_key: idempotencyKey } });
    if (made.status < 300) return made.json.data.id;
    if (made.status === 409) {
      const found = await this.ok('GET', `/customers?email=${encodeURIComponent(customer.email)}`, 'find the customer');
      if (Array.isArray(found) && found[0]?.id) return found[0].id;
    }
    throw providerError('paddle', 'create the customer');
  }

  async addPaymentMethod(providerCustomerId: string, token: string, _idempotencyKey: string): Promise<ProviderCard> {
    if (!/^paymtd_[a-z\d]{26}$/.test(token)) throw badToken('paddle', 'a Paddle token is the id of a payment method saved in Paddle Checkout (paymtd_…)');
    const { status, json } = await this.request('GET', `/customers/${encodeURIComponent(providerCustomerId)}/payment-methods/${token}`, 'read the payment method');
    if (status === 404) throw badToken('paddle', 'no such payment method for this customer');
    if (status >= 300) throw providerError('paddle', 'read the payment method');
    const pm = json.data;
    return {
      providerId: pm.id,
      type: pm.type === 'card' ? 'card' : String(pm.type),
      brand: pm.card?.type ?? String(pm.type),
      last4: pm.card?.last4 ?? '',
      expiryMonth: Number(pm.card?.expiry_month ?? 0),
      expiryYear: Number(pm.card?.expiry_year ?? 0),
    };
  }

  async removePaymentMethod(providerCustomerId: string, providerId: string): Promise<void> {
    const { status } = await this.request('DELETE', `/customers/${encodeURIComponent(providerCustomerId)}/payment-methods/${encodeURIComponent(providerId)}`, 'remove the payment method');
    // Already gone at Paddle is gone.
    if (status >= 300 && status !== 404) throw providerError('paddle', 'remove the payment method');
  }

  async charge(request: ChargeRequest, idempotencyKey: string): Promise<ChargeResult> {
    const existing = await this.ok('GET', `/transactions?customer_id=${encodeURIComponent(request.providerCustomerId)}&order_by=created_at[DESC]&per_page=50`, 'look up earlier attempts');
    const first = Array.isArray(existing) ? existing.find((t: any) => t?.custom_data?.kontor_key === idempotencyKey) : undefined;
    const txn =
      first ??
      (await this.ok('POST', '/transactions', 'take the payment', {
        customer_id: request.providerCustomerId,
        collection_mode: 'automatic',
        currency_code: request.currency.toUpperCase(),
        custom_data: { ...request.metadata, kontor_key: idempotencyKey, kontor_payment_method: request.providerPaymentMethodId },
        items: [
          {
            quantity: 1,
            price: {
              description: request.description,
              name: request.description,
              unit_price: { amount: request.amount.toString(), currency_code: request.currency.toUpperCase() },
              product: { name: request.description, tax_category: 'standard' },
            },
          },
        ],
      }));
    return transactionResult(txn);
  }

  async refund(request: RefundRequest, idempotencyKey: string): Promise<RefundResult> {
    const txn = await this.ok('GET', `/transactions/${encodeURIComponent(request.providerPaymentId)}`, 'read the payment');
    const earlier = await this.ok('GET', `/adjustments?transaction_id=${encodeURIComponent(request.providerPaymentId)}&per_page=50`, 'look up earlier refunds');
    const first = Array.isArray(earlier) ? earlier.find((a: any) => a?.custom_data?.kontor_key === idempotencyKey) : undefined;
    const total = BigInt(txn?.details?.totals?.grand_total ?? txn?.details?.totals?.total ?? '0');
    const item = txn?.details?.line_items?.[0]?.id;
    const adjustment =
      first ??
      (await this.ok('POST', '/adjustments', 'refund the payment', {
        action: 'refund',
        transaction_id: request.providerPaymentId,
        reason: request.reason ?? 'Refund requested',
        custom_data: { ...request.metadata, kontor_key: idempotencyKey },
        ...(request.amount >= total || !item ? { type: 'full' } : { type: 'partial', items: [{ item_id: item, type: 'partial', amount: request.amount.toString() }] }),
      }));
    const status = adjustment?.status === 'approved' ? 'succeeded' : adjustment?.status === 'rejected' || adjustment?.status === 'reversed' ? 'failed' : 'pending';
    return { providerId: adjustment.id, status };
  }
}

/** A Paddle transaction's status as a charge result. */
export function transactionResult(txn: any): ChargeResult {
  const status = txn?.status === 'completed' || txn?.status === 'paid' ? 'succeeded' : txn?.status === 'past_due' || txn?.status === 'canceled' ? 'failed' : 'pending';
  return { providerId: txn.id, status, failureMessage: status === 'failed' ? `the transaction is ${txn.status}` : null };
}
