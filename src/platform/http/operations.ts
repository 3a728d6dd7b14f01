import type { FastifyContextConfig, FastifySchema } from 'fastify';

/** An OpenAPI security requirement: scheme name → scopes (`[{ apiKey: [] }]`). */
export type Security = Array<Record<string, string[]>>;

export interface OperationDefaults {
  /** The scope an API key needs to read (`config.scope` of `reads(…)`); none for session-only surfaces. */
  read?: string;
  /** The scope an API key needs to change something (`config.scope` of `writes(…)`). */
  write?: string;
  /** The operations' security requirement, when the document's default is not the one. */
  security?: Security;
  /** The operations' tags, unless a route names its own. */
  tags?: string[];
}

/**
 * How a surface (or one resource of it) declares its routes' options: `reads(schema)` and
 * `writes(schema)` give a route its scope and its schema (operationId, summary, params, body,
 * response…) with the surface's security and tags. `config` adds to the route's config
 * (`readOnly`, `secretAnswer`). Route-table.ts checks what the result must hold.
 */
export function operations(defaults: OperationDefaults) {
  const { security, tags } = defaults;
  const options =
    (scope: string | undefined) =>
    <const Schema extends FastifySchema>(schema: Schema, config: FastifyContextConfig = {}) => ({
      config: scope === undefined ? config : { scope, ...config },
      schema: { ...(security ? { security } : {}), ...(tags ? { tags } : {}), ...schema },
    });
  return { reads: options(defaults.read), writes: options(defaults.write) };
}
