import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { registerSurface } from '../../platform/http/surface.ts';
import { installExactSerializer } from '../../platform/http/exact-serializer.ts';
import { billingEnvelope } from './errors.ts';
import { tenantOf } from './context.ts';
import { planRoutes } from './plans.ts';
import { customerRoutes } from './customers.ts';
import { subscriptionRoutes } from './subscriptions.ts';
import { entitlementRoutes } from './entitlements.ts';
import { meterRoutes } from './meter.ts';
import { billingSettings } from './settings.ts';
import { MeterQueue } from '../../billing/meter-queue.ts';

/** The meter queue this server commits usage events through, drained when the core closes. */
function startMetering(core: Core, usage: MeteredUseCache) {
  const { meter: settings } = billingSettings(core.config.env);
  // Four group commits in flight: while one waits for its fsync the others are being written
  // (billing.meter_ingest on 2 cores: 56–59k events/s with 4, 48–54k with 2, 44k with 6).
  const queue = new MeterQueue(core.db, core.clock, { capacity: settings.bufferEvents, lingerMs: settings.flushMs, maxConcurrent: 4, maxGroupEvents: 5_000 });
  // Each committed group reaches this server's metered use before its requests are answered.
  queue.observe(usage);
  core.atClose(() => queue.drain());
  return queue;
}
import { testClockRoutes } from './test-clock.ts';
import { webhookEndpointRoutes } from './webhook-endpoints.ts';
import { couponRoutes } from './coupons.ts';
import { paymentMethodRoutes } from './payment-methods.ts';
import { invoiceRoutes } from './invoices.ts';
import { creditRoutes } from './credits.ts';
import { paymentRoutes } from './payments.ts';
import { collectionSettingsRoutes } from './collection-settings.ts';
import { providerWebhookRoutes } from './provider-webhooks.ts';
import { portalSessionRoutes, registerPortalPages } from './portal.ts';
import { customerExportRoutes } from './customer-export.ts';
import { EntitlementCache } from '../../billing/entitlement-cache.ts';
import { MeteredUseCache } from '../../billing/entitlement-usage.ts';
import { scopeOf } from './context.ts';

/**
 * The operations after whose commit this server drops the app world's cached entitlements at
 * once, before answering (other servers drop them on the NOTIFY each of these sends).
 */
const CHANGES_ENTITLEMENTS = new Set([
  'createSubscription',
  'updateSubscription',
  'cancelSubscription',
  'pauseSubscription',
  'resumeSubscription',
  'changeSubscriptionPlan',
  'updatePlan',
  'invalidateEntitlements',
  'advanceTestClock',
]);

/** The API key of a request: `X-API-Key`, else `Authorization: Bearer`. */
function keyOf(header: string | string[] | undefined, bearer: string | null): string | null {
  return typeof header === 'string' && header.length > 0 ? header : bearer;
}

/** Billing (reference 003) at `/ledger`: plans, customers and subscriptions, in live and sandbox worlds. */
export async function registerBillingApi(app: FastifyInstance, core: Core): Promise<void> {
  // One cache per server instance, listening for every server's changes; metered use kept in memory beside it.
  const usage = new MeteredUseCache(core.db);
  await usage.start();
  const cache = new EntitlementCache(core.db, core.clock, usage.meteredUse, usage);
  await cache.start();
  app.addHook('onClose', async () => {
    await cache.close();
    await usage.close();
  });
  await registerSurface(app, core, {
    name: 'billing',
    prefix: '/ledger',
    title: 'Kontor Billing API',
    version: '1.0.0',
    description:
      'Plans, customers, subscriptions, metering and entitlements for your app (reference 003). Money is `{amount, currency, display}` in integer ' +
      'minor units; lists are `{data, pagination}`; errors are `{error: {code, message, type, param, details}}`. A `bk_test_` ' +
      'key sees only sandbox data, a `bk_live_` key only live data. Tenant context is the `X-Tenant-ID` header. ' +
      'Writes accept Idempotency-Key.',
    errors: billingEnvelope,
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key: bk_live_… or bk_test_…' },
      bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
    },
    authenticate: async (request, bearer) => {
      const key = keyOf(request.headers['x-api-key'], bearer);
      return key ? core.apiKeys.authenticate(key) : null;
    },
    // A malformed X-Tenant-ID is no valid tenant context on any route, even one that needs none.
    gate: async (request) => void tenantOf(request),
    rateLimit: () => core.config.rateLimitPerMinute,
    routes: async (api) => {
      const meter = startMetering(core, usage);
      installExactSerializer(api);
      planRoutes(api, core);
      customerRoutes(api, core);
      subscriptionRoutes(api, core);
      entitlementRoutes(api, core, cache);
      meterRoutes(api, core, meter);
      testClockRoutes(api, core);
      webhookEndpointRoutes(api, core);
      couponRoutes(api, core);
      paymentMethodRoutes(api, core);
      invoiceRoutes(api, core);
      creditRoutes(api, core);
      paymentRoutes(api, core);
      collectionSettingsRoutes(api, core);
      portalSessionRoutes(api, core);
      customerExportRoutes(api, core, cache);
      // A write's handler has committed by the time its answer is sent.
      api.addHook('onSend', async (request, reply) => {
        const operation = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
        if (reply.statusCode < 400 && operation && CHANGES_ENTITLEMENTS.has(operation) && request.principal) cache.invalidate(scopeOf(request), null);
      });
    },
  });
  // The payment providers' webhooks (the reference's `/webhooks/stripe` and `/webhooks/paddle`):
  // public, each request signed by the provider; their operations join billing's document.
  await registerSurface(app, core, {
    name: 'billing',
    prefix: '/webhooks',
    title: 'Kontor Billing API',
    version: '1.0.0',
    errors: billingEnvelope,
    document: 'extend',
    authenticate: async () => null,
    rateLimit: () => core.config.rateLimitPerMinute,
    routes: (api) => providerWebhookRoutes(api, core),
  });
  // The customer portal's pages: HTML for the customer's browser, outside the API's prefix and its API keys.
  await registerPortalPages(app, core, cache);
}
