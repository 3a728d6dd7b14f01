import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';

/** Kontor's licence (package.json's `license`), declared by every document. */
export const LICENSE = { name: 'Apache 2.0', identifier: 'Apache-2.0' } as const;

export interface DocumentOptions {
  title: string;
  version: string;
  description?: string;
  securitySchemes?: Record<string, unknown>;
}

/**
 * The options of a surface's `@fastify/swagger`: a document a client generator can take as it
 * is. Its server is `/` — a relative URL, so the document is right on whatever host serves it
 * (a self-hosted product has no canonical host), and the paths keep the surface's prefix.
 * Every operation needs one of the surface's security schemes unless its route is
 * `config.public`, which the document states as `security: []` so route files need not.
 */
export function swaggerOptions(options: DocumentOptions): FastifyDynamicSwaggerOptions {
  const schemes = options.securitySchemes ?? {};
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, version: options.version, description: options.description, license: LICENSE },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: { securitySchemes: schemes as any },
      // Any one of the schemes will do (OpenAPI's list is an OR).
      security: Object.keys(schemes).map((name) => ({ [name]: [] })),
    },
    transformObject: (document) => standardKeywords('openapiObject' in document ? document.openapiObject : document.swaggerObject),
    transform: ({ schema, url, route }) => {
      if (route.config?.public !== true || (schema && 'security' in schema)) return { schema, url };
      return { schema: { ...schema, security: [] }, url };
    },
  };
}

/** A document as committed under docs/openapi/: two-space JSON and a final newline, for readable diffs. */
export function documentText(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The document in standard JSON Schema: Kontor's own `notBlank` keyword (validation.ts) is
 * written as the `pattern` that means the same (some character that is not whitespace), so
 * linters accept the document and generated clients can check it. Works on a copy: the route
 * schemas are the validators' too.
 */
function standardKeywords<T extends object>(document: T): T {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    // A boolean: a property *named* notBlank would hold a schema object.
    for (const [key, value] of Object.entries(node)) if (!(key === 'notBlank' && typeof value === 'boolean')) out[key] = rewrite(value);
    if ((node as { notBlank?: unknown }).notBlank !== true) return out;
    if (out.pattern === undefined) out.pattern = NOT_BLANK;
    else out.allOf = [...((out.allOf as unknown[] | undefined) ?? []), { pattern: NOT_BLANK }];
    return out;
  };
  return rewrite(document) as T;
}

const NOT_BLANK = '\\S';
