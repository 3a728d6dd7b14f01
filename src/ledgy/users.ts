import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { createOrg } from '../platform/orgs.ts';
import { createUser, findUserByEmail, type User } from '../platform/identity/users.ts';
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
  const [found] = await tx.query('SELECT value FROM settings WHERE key = $1', [ORG_SETTING]);
  if (found) return found.value;
  const org = await createOrg(tx, deps.clock, { name: 'Ledgy' });
  const [row] = await tx.query(
    `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING value`,
    [ORG_SETTING, org.id],
  );
  return row.value;
}

const toLedgyUser = (r: any): LedgyUser => ({
  orgId: r.org_id,
  id: r.id,
  surface: 'ledgy',
  email: r.email,
  name: r.name,
  createdAt: r.created_at,
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

export async function getLedgyUser(db: Queryable, orgId: string, userId: string): Promise<LedgyUser | null> {
  const [row] = await db.query(
    `SELECT u.org_id, u.id, u.email, u.name, u.created_at, l.ledger_id, l.primary_currency, l.subscription_status, l.trial_ends_at
       FROM users u JOIN ledgy_users l ON l.org_id = u.org_id AND l.id = u.id
      WHERE u.org_id = $1 AND u.id = $2`,
    [orgId, userId],
  );
  return row ? toLedgyUser(row) : null;
}

export async function findLedgyUserByEmail(db: Queryable, email: string): Promise<LedgyUser | null> {
  const user = await findUserByEmail(db, 'ledgy', email);
  return user ? getLedgyUser(db, user.orgId, user.id) : null;
}

export function subscriptionActive(user: Pick<LedgyUser, 'subscriptionStatus' | 'trialEndsAt'>, now: Date): boolean {
  if (user.subscriptionStatus === 'active') return true;
  return user.subscriptionStatus === 'trialing' && user.trialEndsAt !== null && user.trialEndsAt.getTime() > now.getTime();
}

/** Operator control (CLI) and, later, the billing engine's hook. */
export async function setSubscription(db: Queryable, email: string, status: LedgyUser['subscriptionStatus'], trialEndsAt?: Date | null): Promise<LedgyUser> {
  const user = await findLedgyUserByEmail(db, email);
  if (!user) throw new DomainError('not_found', `no Ledgy user with email ${email}`, 'email');
  await db.query(
    `UPDATE ledgy_users SET subscription_status = $3, trial_ends_at = COALESCE($4, trial_ends_at) WHERE org_id = $1 AND id = $2`,
    [user.orgId, user.id, status, trialEndsAt ?? null],
  );
  return (await getLedgyUser(db, user.orgId, user.id))!;
}
