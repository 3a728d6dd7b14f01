import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { LEDGY_SCOPES } from './context.ts';
import { registerLedgyApi } from './index.ts';
import { ledgySettings } from './settings.ts';
import { ledgyCommands } from './commands.ts';

/** Ledgy (reference 001) at `/api` and `/mcp`: personal access tokens `lgpat_` + 64 hex, and session JWTs. */
export const ledgySurface: SurfaceManifest<Core> = {
  name: 'ledgy',
  title: 'Ledgy',
  prefixes: ['/api', '/mcp'],
  // The reference fixes the token format: the same prefix in both modes.
  apiKeys: { format: { live: 'lgpat_', sandbox: 'lgpat_', body: 'hex64' }, scopes: LEDGY_SCOPES },
  settings: ledgySettings,
  commands: ledgyCommands,
  register: registerLedgyApi,
};
