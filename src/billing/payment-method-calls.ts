import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import { getCustomer } from './customer-store.ts';
import { providerCustomerOf } from './payment-method-store.ts';
import { providerFor, requireProviderAccount, type ProviderEndpoints } from './providers/accounts.ts';
import type { ProviderCard, ProviderName } from './providers/provider.ts';
import type { BillingScope } from './scope.ts';

/**
 * The provider's side of adding a payment method, run before the write's transaction
 * (decision 0014): the customer must exist (404), the app must have a provider (500
 * `provider_not_configured`); the provider's customer is made on first use, then the token is
 * saved on it. Both calls carry keys derived from the app, mode, customer and token, so a
 * retry finds what the first call made.
 */
export interface PreparedPaymentMethod {
  customerId: string;
  provider: ProviderName;
  providerCustomerId: string;
  card: ProviderCard;
}

/** An idempotency key for a provider call: Kontor's stable ids, never a fresh one. */
export const providerKey = (scope: BillingScope, ...parts: string[]) => ['kontor', scope.orgId, scope.mode, ...parts].join(':');

export async function preparePaymentMethod(db: Queryable, scope: BillingScope, endpoints: ProviderEndpoints, customerUuid: string | null, tenantId: string | null, token: string): Promise<PreparedPaymentMethod> {
  const customer = await getCustomer(db, scope, customerUuid, tenantId);
  const account = await requireProviderAccount(db, scope);
  const provider = providerFor(account, endpoints);
  const providerCustomerId =
    (await providerCustomerOf(db, scope, customer.id, provider.name)) ??
    (await provider.createCustomer({ email: customer.email, name: customer.name, reference: customer.id }, providerKey(scope, 'customer', customer.id)));
  const tokenDigest = createHash('sha256').update(token).digest('hex').slice(0, 32);
  const card = await provider.addPaymentMethod(providerCustomerId, token, providerKey(scope, 'payment-method', customer.id, tokenDigest));
  return { customerId: customer.id, provider: provider.name, providerCustomerId, card };
}

/** Removes a deleted method at its provider (after the delete committed); a failure is left to the caller to log. */
export async function removeAtProvider(db: Queryable, scope: BillingScope, endpoints: ProviderEndpoints, method: { provider: ProviderName; providerCustomerId: string; providerId: string }): Promise<void> {
  const account = await requireProviderAccount(db, scope);
  if (account.provider !== method.provider) return;
  await providerFor(account, endpoints).removePaymentMethod(method.providerCustomerId, method.providerId);
}
