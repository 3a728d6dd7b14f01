import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { checksumKeys } from '../../platform/identity/key-formats.ts';
import { LEDGERBEE_SCOPES } from './context.ts';
import { registerLedgerBeeApi } from './index.ts';
import { ledgerbeeSettings } from './settings.ts';
import { ledgerbeeCommands } from './commands.ts';

/**
 * LedgerBee (reference 004) at `/api/v1` and `/api/v2` (beside Ledgy's `/api`; the credential
 * picks the surface on shared paths): API keys `lb_live_…` / `lb_test_…` as `x-api-key`, and
 * OAuth client-credentials tokens.
 */
export const ledgerbeeSurface: SurfaceManifest<Core> = {
  name: 'ledgerbee',
  title: 'LedgerBee',
  prefixes: ['/api/v1', '/api/v2'],
  apiKeys: { format: checksumKeys('lb'), scopes: LEDGERBEE_SCOPES },
  settings: ledgerbeeSettings,
  commands: ledgerbeeCommands,
  register: registerLedgerBeeApi,
};
