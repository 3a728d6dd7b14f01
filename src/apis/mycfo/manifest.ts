import type { Core } from '../../core.ts';
import type { SurfaceManifest } from '../../platform/surface-manifest.ts';
import { registerMycfoApi } from './index.ts';
import { mycfoSettings } from './settings.ts';

/** MyCFO (reference 002) at `/v1`: session JWTs from register/log-in, no API keys. */
export const mycfoSurface: SurfaceManifest<Core> = {
  name: 'mycfo',
  title: 'MyCFO',
  prefixes: ['/v1'],
  settings: mycfoSettings,
  register: registerMycfoApi,
};
