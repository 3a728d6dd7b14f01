import type { Queryable } from './db.ts';
import type { Clock } from './clock.ts';
import { newId } from './ids.ts';

export interface Org {
  id: string;
  name: string;
  createdAt: Date;
}

export async function createOrg(db: Queryable, clock: Clock, input: { name: string }): Promise<Org> {
  const id = newId();
  const createdAt = clock.now();
  await db.query('INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)', [id, input.name, createdAt]);
  return { id, name: input.name, createdAt };
}

export async function getOrg(db: Queryable, id: string): Promise<Org | null> {
  const rows = await db.query('SELECT id, name, created_at FROM orgs WHERE id = $1', [id]);
  return rows[0] ? { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at } : null;
}

export async function listOrgs(db: Queryable): Promise<Org[]> {
  const rows = await db.query('SELECT id, name, created_at FROM orgs ORDER BY id');
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}
