import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db.ts';
import { invalid, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { KeyMode } from '../identity/key-formats.ts';
import { checkEndpointUrl } from './urls.ts';

/** Whose endpoints: an org (the app), the surface that manages them, and the key's mode. */
export interface WebhookWorld {
  orgId: string;
  surface: string;
  mode: KeyMode;
}

/** An endpoint as shown: never its secrets (those are shown once, on create and on roll). */
export interface WebhookEndpoint {
  id: string;
  orgId: string;
  mode: KeyMode;
  url: string;
  description: string;
  /** The event types it receives; empty: all. */
  eventTypes: string[];
  /** Until when the secret before the last roll still signs (null: no overlap running). */
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The signing secrets of an endpoint, with the one before the last roll while its overlap runs. */
export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}

export interface NewEndpoint {
  url: string;
  description?: string;
  eventTypes?: readonly string[];
}

/** How long the previous secret keeps signing after a roll (Standard Webhooks receivers verify either). */
export const ROLL_OVERLAP_MS = 24 * 3_600_000;
export const MAX_EVENT_TYPES = 100;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** `whsec_` and 32 random bytes in base64, the Standard Webhooks secret format (the package decodes it). */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const toEndpoint = (r: any): WebhookEndpoint => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  previousSecretUntil: r.previous_secret_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Dotted lowercase names (`subscription.created`), each once, in the order given. */
export function checkEventTypes(types: readonly string[]): string[] {
  if (types.length > MAX_EVENT_TYPES) throw invalid('event_types', `at most ${MAX_EVENT_TYPES} event types`);
  types.forEach((type, i) => {
    if (typeof type !== 'string' || type.length > 100 || !EVENT_TYPE.test(type)) {
      throw invalid(`event_types[${i}]`, `"${type}" is no event type: dotted lowercase names such as subscription.created`);
    }
  });
  return [...new Set(types)];
}

/** Creates an endpoint with a new secret; the secret is returned here only. */
export async function createEndpoint(tx: Queryable, world: WebhookWorld, input: NewEndpoint, now: Date, allowPrivate: boolean): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = checkEndpointUrl(input.url ?? '', allowPrivate);
  const eventTypes = checkEventTypes(input.eventTypes ?? []);
  const secret = newSecret();
  const [row] = await tx.query(
    `INSERT INTO webhook_endpoints (org_id, surface, mode, id, url, description, event_types, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
    [world.orgId, world.surface, world.mode, newId(), url, (input.description ?? '').trim(), eventTypes, secret, now],
  );
  return { endpoint: toEndpoint(row), secret };
}

/** Endpoints oldest first (ties by id): up to `limit + 1` rows (the extra says more follow) and the total. */
export async function listEndpoints(db: Queryable, world: WebhookWorld, limit: number, offset: number): Promise<{ items: WebhookEndpoint[]; total: number }> {
  const params = [world.orgId, world.surface, world.mode];
  const rows = await db.query(`SELECT * FROM webhook_endpoints WHERE org_id = $1 AND surface = $2 AND mode = $3 ORDER BY created_at, id LIMIT $4 OFFSET $5`, [...params, limit + 1, offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE org_id = $1 AND surface = $2 AND mode = $3`, params);
  return { items: rows.map(toEndpoint), total: n };
}

/** An endpoint of this world by uuid (null: text that is no endpoint id): another org's, surface's or mode's is not found. */
export async function getEndpoint(db: Queryable, world: WebhookWorld, id: string | null, lock = ''): Promise<WebhookEndpoint> {
  const rows = id === null ? [] : await db.query(`SELECT * FROM webhook_endpoints WHERE org_id = $1 AND surface = $2 AND mode = $3 AND id = $4 ${lock}`, [world.orgId, world.surface, world.mode, id]);
  if (rows.length === 0) throw notFound('webhook endpoint', 'id');
  return toEndpoint(rows[0]);
}

/** Deletes an endpoint with its pending deliveries and their attempts. */
export async function deleteEndpoint(tx: Queryable, world: WebhookWorld, id: string | null): Promise<void> {
  const endpoint = await getEndpoint(tx, world, id, 'FOR UPDATE');
  await tx.query(`DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, [world.orgId, endpoint.id]);
}

/**
 * A new secret; the current one keeps signing beside it for 24 h (both signatures in
 * `webhook-signature`), so receivers can switch without losing a delivery. A roll during an
 * overlap ends the older secret's overlap: at most two secrets sign.
 */
export async function rollSecret(tx: Queryable, world: WebhookWorld, id: string | null, now: Date, overlapMs = ROLL_OVERLAP_MS): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const endpoint = await getEndpoint(tx, world, id, 'FOR UPDATE');
  const secret = newSecret();
  const [row] = await tx.query(
    `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $3, secret = $4, updated_at = $5
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [world.orgId, endpoint.id, new Date(now.getTime() + overlapMs), secret, now],
  );
  return { endpoint: toEndpoint(row), secret };
}

/** The secrets that sign at `now`: the current one, and the previous one while its overlap runs. */
export function signingSecrets(secrets: EndpointSecrets, now: Date): string[] {
  const overlap = secrets.previousSecret !== null && secrets.previousSecretUntil !== null && now.getTime() < secrets.previousSecretUntil.getTime();
  return overlap ? [secrets.secret, secrets.previousSecret!] : [secrets.secret];
}
