import type { ApiKey } from '../../platform/identity/api-keys.ts';
import { formatId } from '../../platform/ids.ts';
import { DomainError, invalid } from '../../platform/errors.ts';
import { operatorWrite, type OperatorServices } from '../../platform/operator/command.ts';
import { Type } from 'typebox';
import { checkScopes, Email, emailFrom, idFrom, isoOrNull, Label, mustBeFuture, OperatorBody, operatorInput, Scopes, Time, timeOf, trimmed } from '../../platform/operator/input.ts';
import { keyView, type KeyView } from '../../platform/operator/key-view.ts';
import { findLedgyUserByEmail, listLedgyUsers, setSubscription, subscriptionActive, type LedgyUser } from '../../ledgy/users.ts';
import { MAX_ACTIVE_TOKENS, TokenLimitError, mintLedgyToken } from '../../ledgy/tokens.ts';
import { LEDGY_SCOPES } from './context.ts';

/*
 * Ledgy's operator operations (the `kontor ledgy …` commands): users' subscription state and
 * their personal access tokens. Ids are shown as the Ledgy API shows them (views.ts).
 */

const LEDGY_USER_PREFIX = 'usr';
export const LEDGY_TOKEN_PREFIX = 'tok';
/** The Ledgy API's limit on a token's name (POST /api/auth/tokens). */
const MAX_LEDGY_TOKEN_NAME = 100;

/** The uuid of a Ledgy personal access token given as `tok_<ULID>` or as the uuid itself. */
export const ledgyTokenIdFrom = (value: unknown, field = 'id') => idFrom(LEDGY_TOKEN_PREFIX, 'a Ledgy token', value, field);

export interface LedgySubscriptionInput {
  email: string;
  status: LedgyUser['subscriptionStatus'];
  /** A new end of the trial (status trialing only); null keeps the one the user has. */
  trialEndsAt: Date | null;
}

/** The body of "set a Ledgy user's subscription". */
const SubscriptionBody = OperatorBody({
  email: Email,
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('trialing')], { errorMessage: 'must be active, inactive or trialing' }),
  trial_ends_at: Type.Optional(Type.Union([Time, Type.Null()])),
});
const checkSubscription = operatorInput(SubscriptionBody);

/** Checks the body of "set a Ledgy user's subscription": `{ email, status, trial_ends_at? }`; a trial end only with status trialing. */
export function ledgySubscriptionInput(body: unknown): LedgySubscriptionInput {
  const b = checkSubscription(body);
  const trialEndsAt = timeOf(b.trial_ends_at);
  if (trialEndsAt && b.status !== 'trialing') throw invalid('trial_ends_at', `trial_ends_at is set only with status trialing, not ${b.status}`);
  return { email: b.email.trim(), status: b.status, trialEndsAt };
}

export interface NewLedgyTokenInput {
  email: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
}

/** The body of "mint a Ledgy personal access token"; its scopes are checked after, against LEDGY_SCOPES. */
const NewTokenBody = OperatorBody({
  email: Email,
  name: Label(true, MAX_LEDGY_TOKEN_NAME),
  scopes: Scopes,
  expires_at: Type.Optional(Type.Union([Time, Type.Null()])),
});
const checkNewToken = operatorInput(NewTokenBody);

/** Checks the body of "mint a Ledgy personal access token": `{ email, name, scopes: [...], expires_at? }`. */
export function newLedgyTokenInput(body: unknown): NewLedgyTokenInput {
  const b = checkNewToken(body);
  return { email: b.email.trim(), name: trimmed(b.name)!, scopes: checkScopes(b.scopes, LEDGY_SCOPES, 'ledgy'), expiresAt: timeOf(b.expires_at) };
}

export interface LedgyUserView {
  id: string;
  object: 'ledgy_user';
  email: string;
  name: string | null;
  primary_currency: string;
  subscription_status: LedgyUser['subscriptionStatus'];
  trial_ends_at: string | null;
  /** Whether the subscription gate lets the user's /api/v1 requests through now. */
  gate_open: boolean;
  created_at: string;
}

/** A personal access token as operators see it: an API key's view, named as Ledgy names its tokens and users. */
export type LedgyTokenView = Omit<KeyView, 'object' | 'org_id' | 'surface' | 'mode' | 'user_id' | 'tenant'> & { object: 'ledgy_token'; user_id: string; email: string };

export const ledgyUserView = (user: LedgyUser, now: Date): LedgyUserView => ({
  id: formatId(LEDGY_USER_PREFIX, user.id),
  object: 'ledgy_user',
  email: user.email,
  name: user.name,
  primary_currency: user.primaryCurrency,
  subscription_status: user.subscriptionStatus,
  trial_ends_at: isoOrNull(user.trialEndsAt),
  gate_open: subscriptionActive(user, now),
  created_at: isoOrNull(user.createdAt)!,
});

export function ledgyTokenView(key: ApiKey, user: Pick<LedgyUser, 'email'>, now: Date): LedgyTokenView {
  const { status, expires_at, revoked_at, last_used_at, created_at, start, scopes, name } = keyView(key, now);
  return {
    id: formatId(LEDGY_TOKEN_PREFIX, key.id),
    object: 'ledgy_token',
    user_id: formatId(LEDGY_USER_PREFIX, key.userId!),
    email: user.email,
    name,
    start,
    scopes,
    status,
    expires_at,
    revoked_at,
    last_used_at,
    created_at,
  };
}

export function ledgyOperations(services: OperatorServices) {
  const { db, clock, apiKeys } = services;
  const ledgyUser = async (email: string): Promise<LedgyUser> => {
    const user = await findLedgyUserByEmail(db, email);
    if (!user) throw new DomainError('not_found', `no Ledgy user with email ${email}`, 'email');
    return user;
  };
  const tokensOf = (user: LedgyUser) => apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id });

  return {
    async listUsers(): Promise<LedgyUserView[]> {
      const now = clock.now();
      return (await listLedgyUsers(db)).map((u) => ledgyUserView(u, now));
    },
    async setSubscription(body: unknown): Promise<LedgyUserView> {
      const input = ledgySubscriptionInput(body);
      const user = await operatorWrite(services, 'setLedgySubscription', null, (tx) => setSubscription(tx, input.email, input.status, input.trialEndsAt));
      return ledgyUserView(user, clock.now());
    },
    async createToken(body: unknown): Promise<LedgyTokenView & { secret: string }> {
      const input = newLedgyTokenInput(body);
      mustBeFuture(input.expiresAt, clock.now(), 'expires_at');
      const user = await ledgyUser(input.email);
      try {
        const { key, secret } = await operatorWrite(services, 'createLedgyToken', user.orgId, (tx) => mintLedgyToken(clock, apiKeys, tx, user, input));
        return { ...ledgyTokenView(key, user, clock.now()), secret };
      } catch (error) {
        if (error instanceof TokenLimitError) {
          throw new DomainError('conflict', `Ledgy user ${user.email} already has ${MAX_ACTIVE_TOKENS} active tokens, the most allowed; revoke one first`, undefined, error.details);
        }
        throw error;
      }
    },
    async listTokens(email: unknown): Promise<LedgyTokenView[]> {
      const user = await ledgyUser(emailFrom(email));
      const now = clock.now();
      return (await tokensOf(user)).map((k) => ledgyTokenView(k, user, now));
    },
    async revokeToken(email: unknown, id: unknown): Promise<LedgyTokenView> {
      const keyId = ledgyTokenIdFrom(id);
      const user = await ledgyUser(emailFrom(email));
      const shownId = formatId(LEDGY_TOKEN_PREFIX, keyId);
      const owned = (await tokensOf(user)).find((k) => k.id === keyId);
      if (!owned) throw new DomainError('not_found', `token ${shownId} not found for Ledgy user ${user.email}`, 'id');
      if (owned.revokedAt || !(await operatorWrite(services, 'revokeLedgyToken', user.orgId, (tx) => apiKeys.revoke(user.orgId, keyId, tx)))) {
        throw new DomainError('conflict', `token ${shownId} is already revoked`, 'id');
      }
      const key = (await tokensOf(user)).find((k) => k.id === keyId)!;
      return ledgyTokenView(key, user, clock.now());
    },
  };
}
