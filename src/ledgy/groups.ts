import type { Queryable } from '../platform/db.ts';
import { DomainError, invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getUsers } from '../platform/identity/users.ts';
import type { LedgyDeps } from './deps.ts';
import type { LedgyUser } from './users.ts';

/**
 * Groups: shared ledgers. Every member (the owner included: the owner has a member row,
 * which transaction visibility relies on) sees the transactions and budgets shared with the
 * group; each row stays its creator's to change.
 *
 *   - A group is visible to its members only; to anyone else it is not found (404).
 *   - Only the owner changes it (PUT, DELETE, inviting and removing members); a member who
 *     tries gets 403.
 *   - Members join by accepting an invitation (see invitations.ts); nobody is added directly.
 *   - Removing a member (by the owner), or a member leaving (removing themselves); never the
 *     owner (400): their member row goes, so they stop seeing the group's rows; their own
 *     transactions and budgets shared with the group revert to personal, so the group no
 *     longer holds rows of someone outside it.
 *   - DELETE, in one transaction: invitations and member rows go (members lose visibility), every
 *     transaction and budget shared with the group reverts to personal (group_id NULL,
 *     updated_at moved), and the group is soft-deleted.
 */
export interface GroupMember {
  userId: string;
  email: string;
  name: string | null;
  role: 'owner' | 'member';
  addedAt: Date;
}

export interface LedgyGroup {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  icon: string | null;
  color: string | null;
  members: GroupMember[];
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupInput {
  name: string;
  description?: string | null;
  icon?: string | null;
  color?: string | null;
}

async function membersOf(db: Queryable, orgId: string, groupIds: string[]): Promise<Map<string, GroupMember[]>> {
  const rows = await db.query(
    `SELECT m.group_id, m.user_id, m.added_at, g.owner_id
       FROM ledgy_group_members m
       JOIN ledgy_groups g ON g.org_id = m.org_id AND g.id = m.group_id
      WHERE m.org_id = $1 AND m.group_id = ANY($2::uuid[])
      ORDER BY m.group_id, (m.user_id = g.owner_id) DESC, m.added_at, m.user_id`,
    [orgId, groupIds],
  );
  // Emails and names are the identity module's.
  const users = await getUsers(db, orgId, rows.map((r) => r.user_id));
  const out = new Map<string, GroupMember[]>();
  for (const r of rows) {
    const user = users.get(r.user_id);
    if (!user) continue;
    const list = out.get(r.group_id) ?? [];
    list.push({ userId: r.user_id, email: user.email, name: user.name, role: r.user_id === r.owner_id ? 'owner' : 'member', addedAt: r.added_at });
    out.set(r.group_id, list);
  }
  return out;
}

async function withMembers(db: Queryable, orgId: string, rows: any[]): Promise<LedgyGroup[]> {
  const members = await membersOf(db, orgId, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    ownerId: r.owner_id,
    name: r.name,
    description: r.description,
    icon: r.icon,
    color: r.color,
    members: members.get(r.id) ?? [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** Live groups the user owns or belongs to. */
export async function listGroups(db: Queryable, user: LedgyUser): Promise<LedgyGroup[]> {
  const rows = await db.query(
    `SELECT g.* FROM ledgy_groups g JOIN ledgy_group_members m ON m.org_id = g.org_id AND m.group_id = g.id AND m.user_id = $2
      WHERE g.org_id = $1 AND g.deleted_at IS NULL ORDER BY g.created_at, g.id`,
    [user.orgId, user.id],
  );
  return withMembers(db, user.orgId, rows);
}

/** A live group the user belongs to; otherwise not found. `lock` takes the group row for update. */
export async function getGroup(db: Queryable, user: LedgyUser, id: string, lock = false): Promise<LedgyGroup> {
  const [row] = await db.query(
    `SELECT g.* FROM ledgy_groups g
      WHERE g.org_id = $1 AND g.id = $2 AND g.deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM ledgy_group_members m WHERE m.org_id = g.org_id AND m.group_id = g.id AND m.user_id = $3)${lock ? ' FOR UPDATE OF g' : ''}`,
    [user.orgId, id, user.id],
  );
  if (!row) throw notFound('group');
  return (await withMembers(db, user.orgId, [row]))[0];
}

/** The group, locked, when the user owns it: 404 if they cannot see it, 403 if they only belong to it. */
export async function ownedGroup(tx: Queryable, user: LedgyUser, id: string): Promise<LedgyGroup> {
  const group = await getGroup(tx, user, id, true);
  if (group.ownerId !== user.id) throw new DomainError('forbidden', 'only the owner of a group can change it');
  return group;
}

export async function createGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: GroupInput): Promise<LedgyGroup> {
  const id = newId();
  const now = deps.clock.now();
  await tx.query(
    `INSERT INTO ledgy_groups (org_id, id, owner_id, name, description, icon, color, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [user.orgId, id, user.id, input.name, input.description ?? null, input.icon ?? null, input.color ?? null, now],
  );
  await tx.query('INSERT INTO ledgy_group_members (org_id, group_id, user_id, added_at) VALUES ($1, $2, $3, $4)', [user.orgId, id, user.id, now]);
  return getGroup(tx, user, id);
}

/** PUT: the metadata is replaced (an omitted optional field becomes null); membership is untouched. */
export async function replaceGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: GroupInput): Promise<LedgyGroup> {
  await ownedGroup(tx, user, id);
  await tx.query(
    'UPDATE ledgy_groups SET name = $3, description = $4, icon = $5, color = $6, updated_at = $7 WHERE org_id = $1 AND id = $2',
    [user.orgId, id, input.name, input.description ?? null, input.icon ?? null, input.color ?? null, deps.clock.now()],
  );
  return getGroup(tx, user, id);
}

export async function deleteGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string): Promise<void> {
  await ownedGroup(tx, user, id);
  const now = deps.clock.now();
  await tx.query('DELETE FROM ledgy_group_invitations WHERE org_id = $1 AND group_id = $2', [user.orgId, id]);
  await tx.query('DELETE FROM ledgy_group_members WHERE org_id = $1 AND group_id = $2', [user.orgId, id]);
  await tx.query('UPDATE ledgy_transactions SET group_id = NULL, updated_at = $3 WHERE org_id = $1 AND group_id = $2', [user.orgId, id, now]);
  await tx.query('UPDATE ledgy_budgets SET group_id = NULL, updated_at = $3 WHERE org_id = $1 AND group_id = $2', [user.orgId, id, now]);
  await tx.query('UPDATE ledgy_groups SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}

export async function removeGroupMember(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, memberId: string): Promise<void> {
  // A member may remove themselves (leave); anyone else only by the owner.
  const group = memberId === user.id ? await getGroup(tx, user, id, true) : await ownedGroup(tx, user, id);
  if (memberId === group.ownerId) throw invalid('userId', 'the owner cannot be removed from a group; delete the group instead');
  const removed = await tx.query('DELETE FROM ledgy_group_members WHERE org_id = $1 AND group_id = $2 AND user_id = $3 RETURNING user_id', [
    user.orgId,
    id,
    memberId,
  ]);
  if (removed.length === 0) throw notFound('member');
  const now = deps.clock.now();
  const personal = 'SET group_id = NULL, updated_at = $4 WHERE org_id = $1 AND group_id = $2 AND user_id = $3';
  await tx.query(`UPDATE ledgy_transactions ${personal}`, [user.orgId, id, memberId, now]);
  await tx.query(`UPDATE ledgy_budgets ${personal}`, [user.orgId, id, memberId, now]);
  await tx.query('UPDATE ledgy_groups SET updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}
