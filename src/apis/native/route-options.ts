import type { FastifySchema } from 'fastify';

/** Every native operation takes an API key (the document's `apiKey` scheme). */
const security = [{ apiKey: [] }];

/** Options of a route that reads: the `ledger:read` scope, and its schema with the key's security. */
export const reads = <const Schema extends FastifySchema>(schema: Schema) => ({ config: { scope: 'ledger:read' }, schema: { security, ...schema } });

/** Options of a route that writes: the `ledger:write` scope, and its schema with the key's security. */
export const writes = <const Schema extends FastifySchema>(schema: Schema) => ({ config: { scope: 'ledger:write' }, schema: { security, ...schema } });
