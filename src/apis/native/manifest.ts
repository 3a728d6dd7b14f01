import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { KONTOR_SCOPES, registerKontorApi } from './index.ts';

/** Kontor's own API: the ledger at `/kontor/v1`, API keys `kt_live_…` / `kt_test_…`. */
export const nativeSurface: SurfaceManifest<Core> = {
  name: 'kontor',
  title: 'Kontor native API',
  prefixes: ['/kontor/v1'],
  keyFormat: { live: 'kt_live_', sandbox: 'kt_test_', body: 'checksum' },
  scopes: KONTOR_SCOPES,
  register: registerKontorApi,
};
