import { invalid } from '../../platform/errors.ts';
import { formatId, parseId } from '../../platform/ids.ts';
import type { Page } from '../../ledger/types.ts';
import { PREFIX } from './views.ts';

/** A cursor is the id of the last item of the previous page. */
export function cursorFrom(kind: keyof typeof PREFIX, cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = parseId(PREFIX[kind], cursor);
  if (!id) throw invalid('cursor', 'cursor is not one this API returned');
  return id;
}

/** The engine's page request from a list's `limit` and `cursor` (the id of a `kind`). */
export const pageRequest = (kind: keyof typeof PREFIX, query: { limit?: number; cursor?: string }) => ({ limit: query.limit ?? 50, after: cursorFrom(kind, query.cursor) });

/** A page as the API answers it: the items' views, and the next cursor as a `kind` id. */
export const pageView = <T, V>(kind: keyof typeof PREFIX, page: Page<T>, view: (item: T) => V) => ({
  data: page.items.map(view),
  next_cursor: page.nextCursor && formatId(PREFIX[kind], page.nextCursor),
});
