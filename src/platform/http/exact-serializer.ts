import type { FastifyInstance } from 'fastify';
import { stringifyExact } from '../exact-json.ts';

/**
 * Replies of this plugin are written by `stringifyExact`: bigints (cents past 2^53) digit for
 * digit, where the schema serializer would round them through a float. Route schemas still
 * validate requests and describe responses in the OpenAPI document.
 */
export function installExactSerializer(app: FastifyInstance): void {
  app.setSerializerCompiler(() => stringifyExact);
  app.setReplySerializer(stringifyExact);
}
