import { invalid } from '../../platform/errors.ts';
import { parseId } from '../../platform/ids.ts';
import { PREFIX } from './views.ts';

/** A cursor is the id of the last item of the previous page. */
export function cursorFrom(kind: keyof typeof PREFIX, cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = parseId(PREFIX[kind], cursor);
  if (!id) throw invalid('cursor', 'cursor is not one this API returned');
  return id;
}
