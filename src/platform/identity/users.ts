import type { Queryable } from '../db.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts';

export interface User {
  orgId: string;
  id: string;
  surface: string;
  email: string;
  name: string | null;
  createdAt: Date;
}

const toUser = (r: any): User => ({ orgId: r.org_id, id: r.id, surface: r.surface, email: r.email, name: r.name, createdAt: r.created_at });

/**
 * A user of one surface; the same email may exist once per surface. The password is hashed
 * by the caller before its transaction opens (`hashPassword`): a hash takes tens of
 * milliseconds of CPU, which must not be spent holding a connection and row locks.
 */
export async function createUser(
  tx: Queryable,
  clock: Clock,
  input: { orgId: string; surface: string; email: string; passwordHash: string; name?: string | null },
): Promise<User> {
  const hash = input.passwordHash;
  const rows = await tx.query(
    `INSERT INTO users (org_id, id, surface, email, password_hash, name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (surface, lower(email)) DO NOTHING RETURNING *`,
    [input.orgId, newId(), input.surface, input.email, hash, input.name ?? null, clock.now()],
  );
  if (rows.length === 0) {
    throw new DomainError('conflict', 'an account with this email already exists', 'email', { code: 'email_taken' });
  }
  return toUser(rows[0]);
}

/** The user for these credentials, or null; unknown email and wrong password take the same time. */
export async function authenticateUser(db: Queryable, surface: string, email: string, password: string): Promise<User | null> {
  const [row] = await db.query('SELECT * FROM users WHERE surface = $1 AND lower(email) = lower($2)', [surface, email]);
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
  return row && ok ? toUser(row) : null;
}

export async function getUser(db: Queryable, orgId: string, id: string): Promise<User | null> {
  const [row] = await db.query('SELECT * FROM users WHERE org_id = $1 AND id = $2', [orgId, id]);
  return row ? toUser(row) : null;
}

/** Several users of an org at once, by id; ids of another org (or none) are simply absent. */
export async function getUsers(db: Queryable, orgId: string, ids: string[]): Promise<Map<string, User>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query('SELECT * FROM users WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, [...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, toUser(r)]));
}

/** The user of `surface` with this email (compared without regard to case), or null. */
export async function findUserByEmail(db: Queryable, surface: string, email: string): Promise<User | null> {
  const [row] = await db.query('SELECT * FROM users WHERE surface = $1 AND lower(email) = lower($2)', [surface, email]);
  return row ? toUser(row) : null;
}
