import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { DeferredCompiles } from './validation.ts';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled the first time its
 * route answers with that status, like the validators (DeferredCompiles): compiling all of
 * them before `listen` was a third of the server's start-up.
 */
export function deferredSerializerFactory(deferred: DeferredCompiles): SerializerFactory {
  const buildSerializer = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = buildSerializer(externalSchemas, options);
    return (route) => {
      const compiled = deferred.defer(() => compile(route));
      return (doc) => compiled()(doc);
    };
  };
}
