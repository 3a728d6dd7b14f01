import type { Queryable } from '../platform/db.ts';
import { DomainError, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { findUserByEmail, getUsers } from '../platform/identity/users.ts';
import type { LedgyDeps } from './deps.ts';
import { getGroup, ownedGroup, type LedgyGroup } from './groups.ts';
import type { LedgyUser } from './users.ts';

/**
 * Group invitations: nobody becomes a member of a group, and so nobody sees its rows or has
 * rows written into their lists, without accepting.
 *
 *   - Only the owner invites, by email. The invitation is kept by (lower-cased) email whether
 *     or not a Ledgy user has it, and the answer is the same either way (202), so inviting is
 *     no way to learn who has an account. Inviting again is a no-op; someone already a member
 *     is 409 (the owner sees the members anyway). At most MAX_PENDING per group.
 *   - The invitee (the user whose email it is, now or on a later sign-up) lists, accepts or
 *     declines it; to anyone else it is not found. Accepting makes the member row; both
 *     answers delete the invitation. A deleted group's invitations go with it.
 */
export const MAX_PENDING = 100;

export interface GroupInvitation {
  id: string;
  groupId: string;
  groupName: string;
  invitedBy: { userId: string; email: string; name: string | null };
  createdAt: Date;
}

const normal = (email: string) => email.trim().toLowerCase();

export async function inviteToGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, groupId: string, email: string): Promise<{ email: string }> {
  await ownedGroup(tx, user, groupId);
  const address = normal(email);
  // Whose email it is, the identity module knows; whether they are a member, the group does.
  const holder = await findUserByEmail(tx, 'ledgy', address);
  const member =
    holder && holder.orgId === user.orgId
      ? await tx.query('SELECT 1 FROM ledgy_group_members WHERE org_id = $1 AND group_id = $2 AND user_id = $3', [user.orgId, groupId, holder.id])
      : [];
  if (member.length > 0) throw new DomainError('conflict', 'that email belongs to a member of this group already', 'email');
  const [{ n }] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM ledgy_group_invitations WHERE org_id = $1 AND group_id = $2', [user.orgId, groupId]);
  if (n >= MAX_PENDING) throw new DomainError('conflict', `a group holds at most ${MAX_PENDING} pending invitations`, 'email');
  await tx.query(
    `INSERT INTO ledgy_group_invitations (org_id, id, group_id, email, invited_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, group_id, email) DO NOTHING`,
    [user.orgId, newId(), groupId, address, user.id, deps.clock.now()],
  );
  return { email: address };
}

/** Invitations to live groups. */
const SELECT = `SELECT i.id, i.group_id, i.created_at, g.name AS group_name, i.invited_by
    FROM ledgy_group_invitations i
    JOIN ledgy_groups g ON g.org_id = i.org_id AND g.id = i.group_id AND g.deleted_at IS NULL`;

/** Pending invitations addressed to the user's email, oldest first. */
export async function listInvitations(db: Queryable, user: LedgyUser): Promise<GroupInvitation[]> {
  const rows = await db.query(`${SELECT} WHERE i.org_id = $1 AND i.email = $2 ORDER BY i.created_at, i.id`, [user.orgId, normal(user.email)]);
  const inviters = await getUsers(db, user.orgId, rows.map((r) => r.invited_by));
  return rows.flatMap((r): GroupInvitation[] => {
    const inviter = inviters.get(r.invited_by);
    if (!inviter) return [];
    return [{ id: r.id, groupId: r.group_id, groupName: r.group_name, invitedBy: { userId: r.invited_by, email: inviter.email, name: inviter.name }, createdAt: r.created_at }];
  });
}

/** Accepts (the user becomes a member; answers the group) or declines an invitation of theirs. */
export async function answerInvitation(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, accept: boolean): Promise<LedgyGroup | null> {
  const [row] = await tx.query(`${SELECT} WHERE i.org_id = $1 AND i.id = $2 AND i.email = $3 FOR UPDATE OF i, g`, [user.orgId, id, normal(user.email)]);
  if (!row) throw notFound('invitation');
  await tx.query('DELETE FROM ledgy_group_invitations WHERE org_id = $1 AND id = $2', [user.orgId, id]);
  if (!accept) return null;
  const now = deps.clock.now();
  await tx.query('INSERT INTO ledgy_group_members (org_id, group_id, user_id, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    user.orgId,
    row.group_id,
    user.id,
    now,
  ]);
  await tx.query('UPDATE ledgy_groups SET updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, row.group_id, now]);
  return getGroup(tx, user, row.group_id);
}
