import { billingError } from './errors.ts';

/** A usage event as a client sends it (`POST /ledger/meter/events`), before any check. */
export interface UsageEventInput {
  featureKey?: string;
  quantity?: unknown;
  idempotencyKey?: string;
  /** When the usage happened; the request's time when absent. */
  timestamp?: string;
  metadata?: Record<string, string>;
}

/** A usage event that passed the checks that need no database, with its id. */
export interface UsageEvent {
  id: string;
  featureKey: string;
  quantity: bigint;
  idempotencyKey: string | null;
  at: Date;
  metadata: Record<string, string>;
}

/** A stored usage event: the event with its tenant and when it was stored. */
export interface StoredUsageEvent extends UsageEvent {
  orgId: string;
  tenantId: string;
  createdAt: Date;
}

/**
 * Checks one event in the reference's terms: `feature_key` required, `quantity` an integer ≥ 0
 * (the library accepts negatives and then fails invoicing; a fraction or a string is refused
 * too, and a number beyond 2^53 cannot be read exactly). `field` prefixes the param of a
 * refusal (`events[3].` in a batch).
 */
export function validUsageEvent(input: UsageEventInput, id: string, now: Date, field = ''): UsageEvent {
  const featureKey = input.featureKey?.trim();
  if (!featureKey) throw billingError('invalid_input', 'feature_key is required', `${field}feature_key`);
  const q = input.quantity;
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 0) {
    throw billingError('invalid_input', 'quantity must be a whole number of 0 or more (at most 2^53 − 1)', `${field}quantity`);
  }
  let at = now;
  if (input.timestamp !== undefined) {
    at = new Date(input.timestamp);
    if (Number.isNaN(at.getTime())) throw billingError('invalid_input', 'timestamp must be an ISO 8601 date-time', `${field}timestamp`);
  }
  const key = input.idempotencyKey?.trim();
  return { id, featureKey, quantity: BigInt(q), idempotencyKey: key ? key : null, at, metadata: input.metadata ?? {} };
}

/** What became of one event of a request: stored, or refused because its key was seen. */
export type EventOutcome = { stored: true; event: UsageEvent } | { stored: false; event: UsageEvent; code: 'duplicate_event' };
