import { z } from 'zod';
import { HOUR_MS } from '../domain/clock';
import { MIN_PASSWORD_LENGTH } from '../domain/partners/profile';
import { iso, rawSql } from '../domain/sql.server';
import {
  activeAccountFor,
  checkAccountLink,
  issueAccountLink,
  useUpAccountLink,
  useUpOpenLinksOf,
} from './account-links.server';
import { accountKeys } from './auth.server';
import { hashPassword } from './password.server';
import type { AuthDeps } from './session.server';

/** A reset link works once, for an hour. */
export const RESET_LINK_LIFETIME_MS = HOUR_MS;
/** One email per account per minute, however often the form is sent. */
const REQUEST_INTERVAL_MS = 60_000;

export const RESET_LINK_PROBLEM =
  'This password reset link does not work any more: it was used, replaced by a newer one, or is older than an hour. Ask for a new one.';

/** The address a link is asked for: the forgot-password and sign-in-link forms alike. */
export const emailField = z
  .string({ error: 'Enter the email address you sign in with.' })
  .trim()
  .min(1, 'Enter the email address you sign in with.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email({ error: 'Enter an email address such as name@company.com.' }));

export const resetRequestSchema = z.object({ email: emailField });

export const newPasswordSchema = z
  .object({
    password: z
      .string({ error: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.` })
      .min(MIN_PASSWORD_LENGTH, `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
      .max(1024, 'A password has at most 1024 characters.'),
    confirm: z.string({ error: 'Type the same password again.' }),
  })
  .refine((value) => value.password === value.confirm, {
    path: ['confirm'],
    message: 'The two passwords differ; type the same password twice.',
  });

/**
 * Records a reset for an active account with this address and the email row that carries it,
 * in one transaction; the worker sends it. Says nothing about whether the account exists: the
 * page answers the same either way, so the form cannot be used to find out who has an account.
 */
export async function requestPasswordReset(deps: AuthDeps, email: string): Promise<void> {
  const now = deps.clock.now();
  await rawSql(deps.db).begin(async (sql) => {
    const user = await activeAccountFor(sql, email);
    if (!user) return;
    const [recent] = await sql`
      SELECT 1 FROM password_resets
      WHERE user_id = ${user.id} AND created_at > ${iso(new Date(now.getTime() - REQUEST_INTERVAL_MS))}::timestamptz`;
    if (recent) return;
    // A new link replaces the old ones: only the latest email works.
    await useUpOpenLinksOf(sql, 'password_reset', user.id, now);
    await issueAccountLink(sql, 'password_reset', { user, now, lifetimeMs: RESET_LINK_LIFETIME_MS });
  });
}

/** The account a reset link is for, or null when the link does not work (any reason alike). */
export async function checkPasswordReset(
  deps: AuthDeps,
  secret: string,
  token: string,
): Promise<{ resetId: number; userId: number; email: string } | null> {
  const link = await checkAccountLink(deps, secret, 'password_reset', token);
  return link && { resetId: link.linkId, userId: link.userId, email: link.email };
}

/**
 * Sets the new password, uses the link up and signs the account out everywhere, in one
 * transaction. False when the link stopped working meanwhile (used in another tab, say).
 */
export async function completePasswordReset(
  deps: AuthDeps,
  secret: string,
  token: string,
  password: string,
): Promise<boolean> {
  const valid = await checkPasswordReset(deps, secret, token);
  if (!valid) return false;
  const passwordHash = await hashPassword(password);
  const now = deps.clock.now();
  const { key, prefix } = accountKeys(valid.email);
  return rawSql(deps.db).begin(async (sql) => {
    if (!(await useUpAccountLink(sql, 'password_reset', valid.resetId, now))) return false;
    await sql`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${valid.userId}`;
    await sql`DELETE FROM sessions WHERE user_id = ${valid.userId}`;
    // A locked account is unlocked by proving access to its mailbox: the new password makes
    // every count of guesses at the old one moot, on every address.
    await sql`DELETE FROM sign_in_attempts WHERE key = ${key} OR starts_with(key, ${prefix})`;
    return true;
  }) as Promise<boolean>;
}
