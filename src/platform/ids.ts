import { monotonicFactory, ulidToUUID, uuidToULID, isValid } from 'ulidx';

const nextUlid = monotonicFactory();

/**
 * Ids are ULIDs: time-sortable, stored as PostgreSQL `uuid` (16 bytes) and shown to clients
 * as `prefix_` + the ULID text, e.g. `acct_01JD...`.
 */
/** A ULID text; monotonic, so it costs one random draw per millisecond, not one per character. */
export const newUlid = (): string => nextUlid();

export function newId(): string {
  return ulidToUUID(nextUlid()).toLowerCase();
}

export function formatId(prefix: string, uuid: string): string {
  return `${prefix}_${uuidToULID(uuid)}`;
}

/** The uuid behind `prefix_ULID`, or null when the text is not such an id. */
export function parseId(prefix: string, text: string): string | null {
  if (typeof text !== 'string' || !text.startsWith(prefix + '_')) return null;
  const ulid = text.slice(prefix.length + 1).toUpperCase();
  if (ulid.length !== 26 || !isValid(ulid)) return null;
  return ulidToUUID(ulid).toLowerCase();
}
