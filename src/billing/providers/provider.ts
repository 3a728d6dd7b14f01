import { billingError } from '../errors.ts';

/**
 * What billing needs of a payment provider, whichever it is (Stripe, Paddle Billing). Every
 * call that creates something takes an idempotency key derived from Kontor's stable ids (a
 * customer's id, an invoice's id and attempt number, a refund's id), so a call repeated after
 * a crash or a timeout creates nothing twice. Calls are made outside any database
 * transaction (decision 0014); their results are then recorded in one.
 */
export type ProviderName = 'stripe' | 'paddle';
export const PROVIDER_NAMES: readonly ProviderName[] = ['stripe', 'paddle'];

/** A saved payment method as the provider describes it. */
export interface ProviderCard {
  providerId: string;
  type: string;
  brand: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
}

export type ProviderStatus = 'succeeded' | 'pending' | 'failed';

export interface ChargeResult {
  /** The provider's payment (Stripe PaymentIntent `pi_…`, Paddle transaction `txn_…`). */
  providerId: string;
  status: ProviderStatus;
  failureMessage: string | null;
}

export interface RefundResult {
  providerId: string;
  status: ProviderStatus;
}

export interface ChargeRequest {
  /** Minor units, > 0. */
  amount: bigint;
  /** Lowercase ISO 4217. */
  currency: string;
  providerCustomerId: string;
  providerPaymentMethodId: string;
  description: string;
  /** Stable for the attempt (never a fresh id): a provider compares a repeated call's parameters. */
  metadata: Record<string, string>;
}

export interface RefundRequest {
  providerPaymentId: string;
  amount: bigint;
  currency: string;
  reason: string | null;
  metadata: Record<string, string>;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** The provider's customer for a billing customer; `reference` is Kontor's customer id. */
  createCustomer(customer: { email: string; name: string; reference: string }, idempotencyKey: string): Promise<string>;
  /** Saves the payment method a client-side token stands for on the customer, and describes it. */
  addPaymentMethod(providerCustomerId: string, token: string, idempotencyKey: string): Promise<ProviderCard>;
  removePaymentMethod(providerCustomerId: string, providerId: string): Promise<void>;
  /** Charges a saved payment method off-session. A decline is a `failed` result, not a throw. */
  charge(request: ChargeRequest, idempotencyKey: string): Promise<ChargeResult>;
  refund(request: RefundRequest, idempotencyKey: string): Promise<RefundResult>;
}

/** The provider's own failure (unreachable, 5xx, 429, an unexpected answer): 502 `provider_error`, its text not passed on. */
export const providerError = (provider: ProviderName, what: string) => billingError('provider_error', `${provider} could not ${what}; try again later`);
/** No answer in time: 504 `provider_timeout` (the reference's 504). */
export const providerTimeout = (provider: ProviderName) => billingError('provider_timeout', `${provider} did not answer in time; retrying with the same request is safe`);
/** The provider refused the token: 400 `invalid_input` on `token`. */
export const badToken = (provider: ProviderName, message: string) => billingError('invalid_input', `${provider} refused the token: ${message}`, 'token');
