import type Stripe from 'stripe';
import { loadStripe, stripeClient, type StripeSdk } from '../../platform/stripe.ts';
import { badToken, providerError, providerTimeout, type ChargeRequest, type ChargeResult, type PaymentProvider, type ProviderCard, type RefundRequest, type RefundResult } from './provider.ts';

/**
 * Stripe through the official SDK: customers, PaymentMethods made from a client-side token
 * (`tok_…`) and attached to the customer, PaymentIntents confirmed off-session on a saved
 * method, refunds of a PaymentIntent. Every create carries the caller's Idempotency-Key, so
 * Stripe answers a repeated call with the first call's object (a charge is never made twice).
 *
 * Results: a PaymentIntent `succeeded` is succeeded; `processing` or one needing the
 * customer's action is pending (its webhook settles it); a card error (a decline) is failed,
 * with the PaymentIntent Stripe attaches to the error. Stripe's own text never reaches a client
 * except a decline's message, which is meant for people.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private client: Promise<Stripe> | null = null;

  constructor(
    private readonly apiKey: string,
    private readonly apiBase: string | null,
    private readonly timeoutMs = 20_000,
  ) {}

  private stripe(): Promise<Stripe> {
    this.client ??= stripeClient(this.apiKey, { apiBase: this.apiBase, timeoutMs: this.timeoutMs });
    return this.client;
  }

  private async call<T>(what: string, run: (stripe: Stripe) => Promise<T>, onInvalid?: (error: Stripe.errors.StripeError) => Error): Promise<T> {
    const sdk: StripeSdk = await loadStripe();
    try {
      return await run(await this.stripe());
    } catch (error) {
      if (error instanceof sdk.errors.StripeConnectionError && /timed? ?out/i.test(error.message)) throw providerTimeout('stripe');
      if (onInvalid && (error instanceof sdk.errors.StripeInvalidRequestError || error instanceof sdk.errors.StripeCardError)) throw onInvalid(error);
      throw providerError('stripe', what);
    }
  }

  async createCustomer(customer: { email: string; name: string; reference: string }, idempotencyKey: string): Promise<string> {
    const made = await this.call('create the customer', (s) => s.customers.create({ email: customer.email, name: customer.name, metadata: { kontor_customer: customer.reference } }, { idempotencyKey }));
    return made.id;
  }

  async addPaymentMethod(providerCustomerId: string, token: string, idempotencyKey: string): Promise<ProviderCard> {
    const refused = (e: Stripe.errors.StripeError) => badToken('stripe', e.message);
    const pm = await this.call('save the payment method', (s) => s.paymentMethods.create({ type: 'card', card: { token } }, { idempotencyKey: `${idempotencyKey}:create` }), refused);
    const attached = await this.call('attach the payment method', (s) => s.paymentMethods.attach(pm.id, { customer: providerCustomerId }, { idempotencyKey: `${idempotencyKey}:attach` }), refused);
    return cardOf(attached);
  }

  async removePaymentMethod(_providerCustomerId: string, providerId: string): Promise<void> {
    await this.call('remove the payment method', (s) => s.paymentMethods.detach(providerId), () => providerError('stripe', 'remove the payment method'));
  }

  async charge(request: ChargeRequest, idempotencyKey: string): Promise<ChargeResult> {
    const sdk = await loadStripe();
    try {
      const intent = await (await this.stripe()).paymentIntents.create(
        {
          amount: Number(request.amount),
          currency: request.currency,
          customer: request.providerCustomerId,
          payment_method: request.providerPaymentMethodId,
          confirm: true,
          off_session: true,
          description: request.description,
          metadata: request.metadata,
        },
        { idempotencyKey },
      );
      return chargeOf(intent);
    } catch (error) {
      if (error instanceof sdk.errors.StripeCardError) {
        const intent = (error.raw as { payment_intent?: Stripe.PaymentIntent }).payment_intent;
        return { providerId: intent?.id ?? `declined:${idempotencyKey}`, status: 'failed', failureMessage: error.message ?? 'the card was declined' };
      }
      if (error instanceof sdk.errors.StripeConnectionError && /timed? ?out/i.test(error.message)) throw providerTimeout('stripe');
      throw providerError('stripe', 'take the payment');
    }
  }

  async refund(request: RefundRequest, idempotencyKey: string): Promise<RefundResult> {
    const refund = await this.call('refund the payment', (s) =>
      s.refunds.create({ payment_intent: request.providerPaymentId, amount: Number(request.amount), metadata: { ...request.metadata, ...(request.reason ? { reason: request.reason.slice(0, 500) } : {}) } }, { idempotencyKey }),
    );
    return { providerId: refund.id, status: refund.status === 'succeeded' ? 'succeeded' : refund.status === 'failed' || refund.status === 'canceled' ? 'failed' : 'pending' };
  }
}

function cardOf(pm: Stripe.PaymentMethod): ProviderCard {
  return {
    providerId: pm.id,
    type: pm.type,
    brand: pm.card?.brand ?? pm.type,
    last4: pm.card?.last4 ?? '',
    expiryMonth: pm.card?.exp_month ?? 0,
    expiryYear: pm.card?.exp_year ?? 0,
  };
}

function chargeOf(intent: Stripe.PaymentIntent): ChargeResult {
  if (intent.status === 'succeeded') return { providerId: intent.id, status: 'succeeded', failureMessage: null };
  if (intent.status === 'canceled') return { providerId: intent.id, status: 'failed', failureMessage: intent.cancellation_reason ?? 'canceled' };
  if (intent.status === 'requires_payment_method') return { providerId: intent.id, status: 'failed', failureMessage: intent.last_payment_error?.message ?? 'the payment method was refused' };
  return { providerId: intent.id, status: 'pending', failureMessage: null };
}
