import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { checksumKeys } from '../../platform/identity/key-formats.ts';
import { BillingScheduler } from '../../billing/scheduler.ts';
import { BILLING_SCOPES } from './context.ts';
import { registerBillingApi } from './index.ts';
import { billingSettings } from './settings.ts';
import { WebhookWorker } from '../../platform/webhooks/worker.ts';
import { webhookSettings } from '../../platform/webhooks/settings.ts';
import { billingCommands } from './commands.ts';

/** Billing (reference 003) at `/ledger`, API keys `bk_live_…` / `bk_test_…`. */
export const billingSurface: SurfaceManifest<Core> = {
  name: 'billing',
  title: 'Kontor Billing API',
  prefixes: ['/ledger'],
  apiKeys: { format: checksumKeys('bk'), scopes: BILLING_SCOPES },
  settings: (env) => ({ ...billingSettings(env), webhooks: webhookSettings(env) }),
  commands: billingCommands,
  register: registerBillingApi,
  // The clock (trial ends, period roll-overs, scheduled cancels and resumes) and the delivery of
  // outgoing webhooks (decision 0021; every surface's events), both from the database.
  background(core) {
    const report = (what: string) => (error: unknown) => console.error(`kontor: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    const scheduler = new BillingScheduler(core.db, core.writes, core.clock, report('billing clock'), core.ledger, billingSettings(core.config.env).providers);
    scheduler.start(billingSettings(core.config.env).clockIntervalMs);
    const hooks = webhookSettings(core.config.env);
    const worker = new WebhookWorker(core.db, core.clock, { timeoutMs: hooks.timeoutMs, privateUrls: hooks.privateUrls, onError: report('webhooks') });
    worker.start(hooks.intervalMs);
    return {
      async stop() {
        await Promise.all([scheduler.stop(), worker.stop()]);
      },
    };
  },
};
