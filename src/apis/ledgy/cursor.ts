import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalid } from '../../platform/errors.ts';
import type { ListFilter } from '../../ledgy/transaction-list.ts';

export interface Cursor {
  date: Date;
  createdAt: Date;
  id: string;
  total: number;
}

type Filters = Omit<ListFilter, 'limit' | 'cursor'>;

/** What a cursor is bound to: the user and every filter of the walk (the page size may change). */
function scopeOf(userId: string, f: Filters): string {
  const day = (d: Date | undefined) => (d ? d.toISOString() : null);
  return JSON.stringify([userId, f.type ?? null, day(f.dateFrom), day(f.dateTo), f.categoryId ?? null, f.accountId ?? null, f.groupId ?? null, day(f.updatedSince), f.search ?? null]);
}

const REFUSED = 'cursor is not one this API returned for this list (a cursor continues the walk it came from, with the same filters)';

/**
 * Transaction cursors (REST and MCP share them): the last key and the total counted on the
 * first page, then an HMAC over that and the walk's scope, with a key derived from the
 * server secret. An edited cursor, or one used with other filters or by another user, is a
 * 400 naming `cursor`, so the total it carries can be trusted.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  private tag(payload: string, scope: string): Buffer {
    return createHmac('sha256', this.key).update(payload).update('\n').update(scope).digest().subarray(0, 16);
  }

  encode(c: Cursor, userId: string, filters: Filters): string {
    const payload = Buffer.from(JSON.stringify([c.date.getTime(), c.createdAt.getTime(), c.id, c.total])).toString('base64url');
    return `${payload}.${this.tag(payload, scopeOf(userId, filters)).toString('base64url')}`;
  }

  decode(text: string, userId: string, filters: Filters): Cursor {
    const [payload, tag, extra] = text.split('.');
    if (!payload || !tag || extra !== undefined) throw invalid('cursor', REFUSED);
    // Compared as text: base64url decoding ignores stray low bits, so one tag has one spelling.
    const given = Buffer.from(tag);
    const expected = Buffer.from(this.tag(payload, scopeOf(userId, filters)).toString('base64url'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('cursor', REFUSED);
    try {
      const [d, c, i, n] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (typeof d === 'number' && typeof c === 'number' && typeof i === 'string' && /^[0-9a-f-]{36}$/.test(i) && Number.isInteger(n) && n >= 0) {
        return { date: new Date(d), createdAt: new Date(c), id: i, total: n };
      }
    } catch {}
    throw invalid('cursor', REFUSED);
  }
}

/** The codec of a server: its key is derived from the server secret for this purpose only. */
export const ledgyCursors = (core: { deriveKey(purpose: string): Buffer }) => new CursorCodec(core.deriveKey('ledgy:transactions-cursor'));
