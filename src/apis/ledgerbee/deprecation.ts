import type { FastifyReply, FastifyRequest } from 'fastify';

/** When LedgerBee's deprecated v1 operations stop working (RFC 8594 `Sunset`, an HTTP-date). */
export const V1_SUNSET = new Date('2027-06-30T23:59:59Z');

/**
 * Route config of a deprecated v1 operation: `{ config: { scope, ...deprecatedFor('/api/v2/journal-entries') } }`.
 * Every answer of the route (errors too) then carries `Deprecation: true`, `Sunset` and
 * `Link: </api/v2/…>; rel="successor-version"`; its schema should say `deprecated: true`.
 */
export const deprecatedFor = (successor: string) => ({ deprecation: { successor } });

/** The deprecation headers of a request's route, if it is deprecated (an onRequest hook). */
export function deprecationHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const deprecation = request.routeOptions.config?.deprecation;
  if (!deprecation) return;
  reply.header('deprecation', 'true');
  reply.header('sunset', V1_SUNSET.toUTCString());
  reply.header('link', `<${deprecation.successor}>; rel="successor-version"`);
}
