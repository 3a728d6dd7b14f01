import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { createOrg } from '../platform/orgs.ts';
import { createUser, findUserByEmail, getUser, getUsers, type User } from '../platform/identity/users.ts';
import { settingOrCreate } from '../platform/settings.ts';
import type { LedgyDeps } from './deps.ts';

export interface LedgyUser extends User {
  ledgerId: string;
  primaryCurrency: string;
  subscriptionStatus: 'trialing' | 'active' | 'inactive';
  trialEndsAt: Date | null;
}

const ORG_SETTING = 'ledgy.org_id';

/** The org all Ledgy users live in (one per deployment), made on first use. */
export async function ledgyOrgId(tx: Queryable, deps: Pick<LedgyDeps, 'clock'>): Promise<string> {
  return settingOrCreate(tx, ORG_SETTING, async () => (await createOrg(tx, deps.clock, { name: 'Ledgy' })).id);
}

const toLedgyUser = (user: User, r: any): LedgyUser => ({
  ...user,
  ledgerId: r.ledger_id,
  primaryCurrency: r.primary_currency,
  subscriptionStatus: r.subscription_status,
  trialEndsAt: r.trial_ends_at,
});

/**
 * A new user on a trial that is active at once, with a ledger of their own. The password is
 * hashed by the caller before the transaction opens (`hashPassword`; see createUser).
 */
export async function registerLedgyUser(
  deps: Pick<LedgyDeps, 'clock' | 'ledger' | 'trialDays'>,
  tx: Queryable,
  input: { email: string; passwordHash: string; name: string; primaryCurrency: string },
): Promise<LedgyUser> {
  const orgId = await ledgyOrgId(tx, deps);
  const user = await createUser(tx, deps.clock, { orgId, surface: 'ledgy', email: input.email, passwordHash: input.passwordHash, name: input.name });
  const ledger = await deps.ledger.createLedger(orgId, { name: `ledgy:user:${user.id}`, owner: 'ledgy' }, tx);
  const now = deps.clock.now();
  const trialEnds = new Date(now.getTime() + deps.trialDays * 86_400_000);
  await tx.query(
    `INSERT INTO ledgy_users (org_id, id, ledger_id, primary_currency, subscription_status, trial_ends_at, created_at)
     VALUES ($1, $2, $3, $4, 'trialing', $5, $6)`,
    [orgId, user.id, ledger.id, input.primaryCurrency, trialEnds, now],
  );
  return { ...user, ledgerId: ledger.id, primaryCurrency: input.primaryCurrency, subscriptionStatus: 'trialing', trialEndsAt: trialEnds };
}

/** The user (identity's) with their Ledgy side; the two reads run side by side (this is the gate's look-up, on every request). */
export async function getLedgyUser(db: Queryable, orgId: string, userId: string): Promise<LedgyUser | null> {
  const [user, [row]] = await Promise.all([
    getUser(db, orgId, userId),
    db.query('SELECT ledger_id, primary_currency, subscription_status, trial_ends_at FROM ledgy_users WHERE org_id = $1 AND id = $2', [orgId, userId]),
  ]);
  return user && row ? toLedgyUser(user, row) : null;
}

export async function findLedgyUserByEmail(db: Queryable, email: string): Promise<LedgyUser | null> {
  const user = await findUserByEmail(db, 'ledgy', email);
  return user ? getLedgyUser(db, user.orgId, user.id) : null;
}

export function subscriptionActive(user: Pick<LedgyUser, 'subscriptionStatus' | 'trialEndsAt'>, now: Date): boolean {
  if (user.subscriptionStatus === 'active') return true;
  return user.subscriptionStatus === 'trialing' && user.trialEndsAt !== null && user.trialEndsAt.getTime() > now.getTime();
}

/** Every Ledgy user, oldest first. */
export async function listLedgyUsers(db: Queryable): Promise<LedgyUser[]> {
  const rows = await db.query('SELECT org_id, id, ledger_id, primary_currency, subscription_status, trial_ends_at FROM ledgy_users ORDER BY created_at, id');
  const byOrg = new Map<string, string[]>();
  for (const r of rows) byOrg.set(r.org_id, [...(byOrg.get(r.org_id) ?? []), r.id]);
  const users = new Map<string, User>();
  for (const [orgId, ids] of byOrg) for (const [id, user] of await getUsers(db, orgId, ids)) users.set(id, user);
  return rows.flatMap((r) => (users.has(r.id) ? [toLedgyUser(users.get(r.id)!, r)] : []));
}

/** Operator control (CLI) and, later, the billing engine's hook. */
export async function setSubscription(tx: Queryable, email: string, status: LedgyUser['subscriptionStatus'], trialEndsAt?: Date | null): Promise<LedgyUser> {
  const user = await findLedgyUserByEmail(tx, email);
  if (!user) throw new DomainError('not_found', `no Ledgy user with email ${email}`, 'email');
  await tx.query(
    `UPDATE ledgy_users SET subscription_status = $3, trial_ends_at = COALESCE($4, trial_ends_at) WHERE org_id = $1 AND id = $2`,
    [user.orgId, user.id, status, trialEndsAt ?? null],
  );
  return (await getLedgyUser(tx, user.orgId, user.id))!;
}
