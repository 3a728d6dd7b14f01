import type { Queryable } from '../platform/db.ts';
import { providerKey } from './payment-method-calls.ts';
import type { PaymentRecord, RefundRecord } from './payment-store.ts';
import { providerFor, requireProviderAccount, type ProviderEndpoints } from './providers/accounts.ts';
import type { ChargeResult, RefundResult } from './providers/provider.ts';
import type { BillingScope } from './scope.ts';
import { wireId } from './wire.ts';

/**
 * Step 2 of a payment or refund (payments.ts): the provider call, outside any transaction,
 * with an idempotency key derived from the payment's (refund's) id, so calling again after a
 * crash or a timeout answers with what the first call made and never charges twice. The
 * payment's ids ride in the provider's metadata: a webhook finds the payment by them even
 * when the answer to this call was never recorded.
 */
export async function chargeAtProvider(db: Queryable, scope: BillingScope, endpoints: ProviderEndpoints, payment: PaymentRecord, invoiceNumber: string | null): Promise<ChargeResult> {
  const account = await requireProviderAccount(db, scope);
  if (account.provider !== payment.provider) return { providerId: `unsent:${wireId('pay', payment.id)}`, status: 'failed', failureMessage: `the app's provider is now ${account.provider}` };
  return providerFor(account, endpoints).charge(
    {
      amount: payment.amount,
      currency: payment.currency,
      providerCustomerId: payment.providerCustomerId,
      providerPaymentMethodId: payment.providerMethodId,
      description: `Invoice ${invoiceNumber ?? wireId('inv', payment.invoiceId)}`,
      metadata: { kontor_payment: wireId('pay', payment.id), kontor_invoice: wireId('inv', payment.invoiceId), kontor_mode: scope.mode },
    },
    providerKey(scope, 'payment', wireId('pay', payment.id)),
  );
}

export async function refundAtProvider(db: Queryable, scope: BillingScope, endpoints: ProviderEndpoints, payment: PaymentRecord, refund: RefundRecord): Promise<RefundResult> {
  const account = await requireProviderAccount(db, scope);
  if (account.provider !== payment.provider || payment.processorId === null) return { providerId: `unsent:${wireId('rfd', refund.id)}`, status: 'failed' };
  return providerFor(account, endpoints).refund(
    {
      providerPaymentId: payment.processorId,
      amount: refund.amount,
      currency: refund.currency,
      reason: refund.reason,
      metadata: { kontor_payment: wireId('pay', payment.id), kontor_refund: wireId('rfd', refund.id), kontor_mode: scope.mode },
    },
    providerKey(scope, 'refund', wireId('rfd', refund.id)),
  );
}
