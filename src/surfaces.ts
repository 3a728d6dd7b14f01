import type { Core } from './core.ts';
import type { BackgroundTask, SurfaceManifest } from './platform/surface-manifest.ts';
import type { Env } from './platform/config.ts';
import { KeyFormats, type KeyFormat } from './platform/identity/key-formats.ts';
import { nativeSurface } from './apis/native/manifest.ts';
import { mycfoSurface } from './apis/mycfo/manifest.ts';
import { ledgySurface } from './apis/ledgy/manifest.ts';
import { billingSurface } from './apis/billing/manifest.ts';
import { ledgerbeeSurface } from './apis/ledgerbee/manifest.ts';

/** Every surface this server runs, in mounting order. */
export const SURFACES: readonly SurfaceManifest<Core>[] = [nativeSurface, mycfoSurface, ledgySurface, billingSurface, ledgerbeeSurface];

/** The API key formats the surfaces declare. */
export function surfaceKeyFormats(surfaces: readonly SurfaceManifest<Core>[] = SURFACES): KeyFormats {
  const formats: Record<string, KeyFormat> = {};
  for (const surface of surfaces) if (surface.apiKeys) formats[surface.name] = surface.apiKeys.format;
  return new KeyFormats(formats);
}

/** Every surface's settings, read once at start so a bad value stops start-up with its variable named. */
export function checkSurfaceSettings(env: Env, surfaces: readonly SurfaceManifest<Core>[] = SURFACES): void {
  for (const surface of surfaces) surface.settings?.(env);
}

/** Starts every surface's background work (the server does, once it listens). */
export function startBackgroundTasks(core: Core, surfaces: readonly SurfaceManifest<Core>[] = SURFACES): BackgroundTask[] {
  return surfaces.flatMap((surface) => (surface.background ? [surface.background(core)] : []));
}
