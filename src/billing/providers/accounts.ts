import type { Queryable } from '../../platform/db.ts';
import { billingError } from '../errors.ts';
import type { BillingScope } from '../scope.ts';
import { PaddleProvider } from './paddle.ts';
import { StripeProvider } from './stripe.ts';
import type { PaymentProvider, ProviderName } from './provider.ts';

/**
 * Each app's payment provider, per mode (live keys for live, test keys for the sandbox): one
 * row set by the operator (`kontor billing provider set`), read by every payment call and by
 * the provider webhooks to check signatures. The API's location is the server's
 * (environment), so tests point every app at a fake on loopback.
 */
export interface ProviderAccount {
  orgId: string;
  mode: string;
  provider: ProviderName;
  apiKey: string;
  webhookSecret: string | null;
  updatedAt: Date;
}

export interface ProviderEndpoints {
  /** An origin; null = api.stripe.com. */
  stripeApiBase: string | null;
  /** Paddle Billing's API for live keys, and for sandbox keys (Paddle keeps them apart). */
  paddleApiBase: string;
  paddleSandboxApiBase: string;
  timeoutMs: number;
}

const toAccount = (r: any): ProviderAccount => ({ orgId: r.org_id, mode: r.mode, provider: r.provider, apiKey: r.api_key, webhookSecret: r.webhook_secret, updatedAt: r.updated_at });

export async function getProviderAccount(db: Queryable, scope: BillingScope): Promise<ProviderAccount | null> {
  const rows = await db.query(`SELECT * FROM billing_provider_accounts WHERE org_id = $1 AND mode = $2`, [scope.orgId, scope.mode]);
  return rows.length === 0 ? null : toAccount(rows[0]);
}

/** The account, or the reference's 500 `provider_not_configured`. */
export async function requireProviderAccount(db: Queryable, scope: BillingScope): Promise<ProviderAccount> {
  const account = await getProviderAccount(db, scope);
  if (!account) throw billingError('provider_not_configured', `no payment provider is configured for this app's ${scope.mode} mode; the operator sets one with \`kontor billing provider set\``);
  return account;
}

export async function setProviderAccount(tx: Queryable, scope: BillingScope, account: { provider: ProviderName; apiKey: string; webhookSecret: string | null }, now: Date): Promise<ProviderAccount> {
  const rows = await tx.query(
    `INSERT INTO billing_provider_accounts (org_id, mode, provider, api_key, webhook_secret, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, mode) DO UPDATE SET provider = EXCLUDED.provider, api_key = EXCLUDED.api_key, webhook_secret = EXCLUDED.webhook_secret, updated_at = EXCLUDED.updated_at
     RETURNING *`,
    [scope.orgId, scope.mode, account.provider, account.apiKey, account.webhookSecret, now],
  );
  return toAccount(rows[0]);
}

export async function removeProviderAccount(tx: Queryable, scope: BillingScope): Promise<boolean> {
  const rows = await tx.query(`DELETE FROM billing_provider_accounts WHERE org_id = $1 AND mode = $2 RETURNING org_id`, [scope.orgId, scope.mode]);
  return rows.length > 0;
}

export async function listProviderAccounts(db: Queryable, orgId: string): Promise<ProviderAccount[]> {
  return (await db.query(`SELECT * FROM billing_provider_accounts WHERE org_id = $1 ORDER BY mode`, [orgId])).map(toAccount);
}

/** Every account of a provider with a webhook secret: whose secret verifies a delivery says whose it is. */
export async function webhookAccounts(db: Queryable, provider: ProviderName): Promise<ProviderAccount[]> {
  return (await db.query(`SELECT * FROM billing_provider_accounts WHERE provider = $1 AND webhook_secret IS NOT NULL ORDER BY org_id, mode`, [provider])).map(toAccount);
}

/** A client for the account's provider, at the server's endpoints. */
export function providerFor(account: ProviderAccount, endpoints: ProviderEndpoints): PaymentProvider {
  if (account.provider === 'stripe') return new StripeProvider(account.apiKey, endpoints.stripeApiBase, endpoints.timeoutMs);
  return new PaddleProvider(account.apiKey, account.mode === 'sandbox' ? endpoints.paddleSandboxApiBase : endpoints.paddleApiBase, endpoints.timeoutMs);
}
