import type { FastifyInstance } from 'fastify';
import type { KeyFormat } from './identity/key-formats.ts';
import type { Env } from './config.ts';
import type { OperatorCommand } from './operator/command.ts';

/**
 * What a surface is, in one place: the server (src/app.ts) and the CLI iterate over the list
 * of manifests (src/surfaces.ts), so nothing below names a surface. `Services` is the core
 * the surface is handed (src/core.ts).
 */
export interface SurfaceManifest<Services> {
  /** Its API keys, sessions, Idempotency-Keys, audit rows and OpenAPI document (`/openapi/<name>.json`) carry this name. */
  name: string;
  /** What the reference calls itself, for people (CLI help, the OpenAPI index). */
  title: string;
  /** The path prefixes its routes live under. */
  prefixes: readonly string[];
  /** The API keys it issues (absent: none): how they look, and the scopes they may hold (the CLI refuses others). */
  apiKeys?: { format: KeyFormat; scopes: readonly string[] };
  /**
   * Reads its own settings from the environment, throwing a ConfigError that names the
   * variable: checked when the server or the CLI starts, before anything is opened.
   */
  settings?(env: Env): unknown;
  /** Its operator commands (`kontor <name> …`), listed in the CLI's help after the CLI's own. */
  commands?: readonly OperatorCommand[];
  /**
   * Work it runs in the background while the server serves (a scheduler): started by the
   * server once it listens, stopped before the services close. Not started by tests or the
   * CLI, which drive such work themselves.
   */
  background?(services: Services): BackgroundTask;
  /** Mounts its routes with its authentication, error envelope and OpenAPI document. */
  register(app: FastifyInstance, services: Services): Promise<void>;
}

/** A surface's background work, running until stopped. */
export interface BackgroundTask {
  /** Stops starting new work and waits for the work in progress to finish. */
  stop(): Promise<void>;
}
