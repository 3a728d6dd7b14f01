import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { BillingScheduler } from '../../billing/scheduler.ts';
import { BILLING_SCOPES } from './context.ts';
import { registerBillingApi } from './index.ts';
import { billingSettings } from './settings.ts';
import { billingCommands } from './commands.ts';

/** Billing (reference 003) at `/ledger`, API keys `bk_live_…` / `bk_test_…`. */
export const billingSurface: SurfaceManifest<Core> = {
  name: 'billing',
  title: 'Kontor Billing API',
  prefixes: ['/ledger'],
  keyFormat: { live: 'bk_live_', sandbox: 'bk_test_', body: 'checksum' },
  scopes: BILLING_SCOPES,
  settings: billingSettings,
  commands: billingCommands,
  register: registerBillingApi,
  // The clock: trial ends, period roll-overs, scheduled cancels and resumes, from the database.
  background(core) {
    const scheduler = new BillingScheduler(core.db, core.writes, core.clock, (error) => console.error(`kontor: billing clock: ${error instanceof Error ? error.message : String(error)}`), core.ledger);
    scheduler.start(billingSettings(core.config.env).clockIntervalMs);
    return scheduler;
  },
};
