import type { Queryable } from './db.ts';

/**
 * A deployment-wide value kept in the database (the org that holds every Ledgy user):
 * the stored one, else `make()`'s, stored once even when two first uses race (the later
 * insert reads back the value that won).
 */
export async function settingOrCreate(tx: Queryable, key: string, make: () => Promise<string>): Promise<string> {
  const [found] = await tx.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
  if (found) return found.value;
  const value = await make();
  const [row] = await tx.query<{ value: string }>(
    `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING value`,
    [key, value],
  );
  return row.value;
}
