import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { checksumKeys } from '../../platform/identity/key-formats.ts';
import { KONTOR_SCOPES, registerKontorApi } from './index.ts';

/** Kontor's own API: the ledger at `/kontor/v1`, API keys `kt_live_…` / `kt_test_…`. */
export const nativeSurface: SurfaceManifest<Core> = {
  name: 'kontor',
  title: 'Kontor native API',
  prefixes: ['/kontor/v1'],
  apiKeys: { format: checksumKeys('kt'), scopes: KONTOR_SCOPES },
  register: registerKontorApi,
};
