import { z } from 'zod';
import { rawSql } from '../domain/sql.server';
import {
  activeAccountFor,
  checkAccountLink,
  issueAccountLink,
  useUpAccountLink,
  useUpOpenLinksOf,
} from './account-links.server';
import { accountKey, accountOnAddressKey, addressKey } from './auth.server';
import { emailField } from './password-reset.server';
import { createSession, type AuthDeps, type UserRole } from './session.server';
import { countHit, currentLock, type CountedKey } from './throttle.server';

/**
 * The emailed one-time sign-in link: the way into an account that no stranger can close,
 * because it works even while password sign-in is paused for the account or the address.
 */

export const SIGN_IN_LINK_LIFETIME_MS = 15 * 60 * 1000;

/**
 * Requests for links are counted by the address typed, whether or not an account uses it (so a
 * refusal tells nobody who has an account), the same three ways as failed sign-ins: one account
 * from one address, one address across accounts, one account from everywhere. The limits keep
 * anyone from flooding a mailbox while a stranger from elsewhere cannot stop its owner asking.
 */
export const LINKS_PER_ACCOUNT_ON_ADDRESS = 3;
export const LINKS_PER_ADDRESS = 20;
export const LINKS_PER_ACCOUNT = 10;

const requestKeys = (email: string, address: string): CountedKey[] => [
  { key: `link:${accountOnAddressKey(email, address)}`, limit: LINKS_PER_ACCOUNT_ON_ADDRESS },
  { key: `link:${addressKey(address)}`, limit: LINKS_PER_ADDRESS },
  { key: `link:${accountKey(email)}`, limit: LINKS_PER_ACCOUNT },
];

export const SIGN_IN_LINK_PROBLEM =
  'This sign-in link does not work any more: it was used, or is older than 15 minutes. Ask for a new one.';

export const signInLinkRequestSchema = z.object({
  email: emailField,
  redirectTo: z.string().max(2000).optional(),
});

export type SignInLinkRequestResult = { ok: true } | { ok: false; retryAt: Date };

/**
 * Records a link for an active account with this address and the email row that carries it;
 * the worker sends it. Answers the same whether or not the account exists, except when the
 * address asked too often (counted for every address alike).
 */
export async function requestSignInLink(
  deps: AuthDeps,
  input: { email: string; clientAddress: string; redirectTo: string | null },
): Promise<SignInLinkRequestResult> {
  const keys = requestKeys(input.email, input.clientAddress);
  const locked = await currentLock(
    keys.map((k) => k.key),
    deps,
  );
  if (locked) return { ok: false, retryAt: locked.until };
  // This request is within the limits; reaching one now refuses the next.
  await countHit(keys, deps);
  const now = deps.clock.now();
  await rawSql(deps.db).begin(async (sql) => {
    const user = await activeAccountFor(sql, input.email);
    if (!user) return;
    // Earlier links stay good: a stranger asking for a new one must not spoil the owner's.
    await issueAccountLink(sql, 'sign_in_link', {
      user,
      now,
      lifetimeMs: SIGN_IN_LINK_LIFETIME_MS,
      columns: { redirect_to: input.redirectTo },
    });
  });
  return { ok: true };
}

/** Whom a sign-in link is for, or null when it does not work (any reason alike). */
export async function checkSignInLink(
  deps: AuthDeps,
  secret: string,
  token: string,
): Promise<{ linkId: number; userId: number; email: string; redirectTo: string | null } | null> {
  const link = await checkAccountLink(deps, secret, 'sign_in_link', token);
  if (!link) return null;
  const redirectTo = typeof link.row.redirect_to === 'string' ? link.row.redirect_to : null;
  return { linkId: link.linkId, userId: link.userId, email: link.email, redirectTo };
}

export type SignInWithLinkResult =
  | { ok: true; userId: number; role: UserRole; token: string; expiresAt: Date; redirectTo: string | null }
  | { ok: false };

/**
 * Uses the link up, with every other open link of the account, and opens a session. Password
 * locks do not apply: the link proves access to the mailbox. It clears the account's count on
 * this address (the owner is back), but not the address's or the account-wide count, which
 * others may be filling.
 */
export async function signInWithLink(
  deps: AuthDeps,
  secret: string,
  input: { token: string; clientAddress: string },
): Promise<SignInWithLinkResult> {
  const link = await checkSignInLink(deps, secret, input.token);
  if (!link) return { ok: false };
  const now = deps.clock.now();
  const role = await rawSql(deps.db).begin(async (sql) => {
    if (!(await useUpAccountLink(sql, 'sign_in_link', link.linkId, now))) return null;
    await useUpOpenLinksOf(sql, 'sign_in_link', link.userId, now);
    await sql`DELETE FROM sign_in_attempts WHERE key = ${accountOnAddressKey(link.email, input.clientAddress)}`;
    const [user] = await sql`SELECT role FROM users WHERE id = ${link.userId}`;
    return user!.role as UserRole;
  });
  if (!role) return { ok: false };
  const { token, session } = await createSession(link.userId, deps);
  return {
    ok: true,
    userId: link.userId,
    role,
    token,
    expiresAt: session.expiresAt,
    redirectTo: link.redirectTo,
  };
}
