import { z } from 'zod';
import { HOUR_MS } from '../domain/clock';
import { MIN_PASSWORD_LENGTH } from '../domain/partners/profile';
import {
  parsePasswordResetToken,
  passwordResetSignatureMatches,
} from '../domain/notifications/signed-tokens';
import { iso, rawSql, toDate } from '../domain/sql.server';
import { hashPassword } from './password.server';
import type { AuthDeps } from './session.server';

/** A reset link works once, for an hour. */
export const RESET_LINK_LIFETIME_MS = HOUR_MS;
/** One email per account per minute, however often the form is sent. */
const REQUEST_INTERVAL_MS = 60_000;

export const RESET_LINK_PROBLEM =
  'This password reset link does not work any more: it was used, replaced by a newer one, or is older than an hour. Ask for a new one.';

export const resetRequestSchema = z.object({
  email: z
    .string({ error: 'Enter the email address you sign in with.' })
    .trim()
    .min(1, 'Enter the email address you sign in with.')
    .max(254, 'An email address has at most 254 characters.')
    .pipe(z.email({ error: 'Enter an email address such as name@company.com.' })),
});

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
    const [user] = await sql`
      SELECT id, email FROM users WHERE lower(email) = ${email.trim().toLowerCase()} AND disabled_at IS NULL
      FOR UPDATE`;
    if (!user) return;
    const [recent] = await sql`
      SELECT 1 FROM password_resets
      WHERE user_id = ${user.id} AND created_at > ${iso(new Date(now.getTime() - REQUEST_INTERVAL_MS))}::timestamptz`;
    if (recent) return;
    // A new link replaces the old ones: only the latest email works.
    await sql`UPDATE password_resets SET used_at = ${iso(now)}::timestamptz WHERE user_id = ${user.id} AND used_at IS NULL`;
    const [reset] = await sql`
      INSERT INTO password_resets (user_id, created_at, expires_at)
      VALUES (${user.id}, ${iso(now)}::timestamptz, ${iso(new Date(now.getTime() + RESET_LINK_LIFETIME_MS))}::timestamptz)
      RETURNING id`;
    await sql`
      INSERT INTO notifications (kind, audience, user_id, recipient_email, dedupe_key, payload, created_at)
      VALUES ('password_reset', 'user', ${user.id}, ${user.email}, ${`password-reset-${reset!.id}`},
              ${JSON.stringify({ resetId: reset!.id })}::jsonb, ${iso(now)}::timestamptz)`;
  });
}

/** The account a reset link is for, or null when the link does not work (any reason alike). */
export async function checkPasswordReset(
  deps: AuthDeps,
  secret: string,
  token: string,
): Promise<{ resetId: number; userId: number; email: string } | null> {
  const parsed = parsePasswordResetToken(token);
  if (!parsed) return null;
  const [row] = await rawSql(deps.db)`
    SELECT r.id, r.user_id, r.expires_at, r.used_at, u.email, u.disabled_at
    FROM password_resets r JOIN users u ON u.id = r.user_id
    WHERE r.id = ${parsed.resetId}`;
  if (!row || row.used_at || row.disabled_at) return null;
  const expiresAt = toDate(row.expires_at);
  if (expiresAt <= deps.clock.now()) return null;
  const claims = { resetId: Number(row.id), userId: Number(row.user_id), expiresAtMs: expiresAt.getTime() };
  if (!passwordResetSignatureMatches(secret, claims, parsed.signature)) return null;
  return { resetId: claims.resetId, userId: claims.userId, email: row.email };
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
  const now = iso(deps.clock.now());
  return rawSql(deps.db).begin(async (sql) => {
    const used = await sql`
      UPDATE password_resets SET used_at = ${now}::timestamptz
      WHERE id = ${valid.resetId} AND used_at IS NULL AND expires_at > ${now}::timestamptz
      RETURNING user_id`;
    if (used.length === 0) return false;
    await sql`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${valid.userId}`;
    await sql`DELETE FROM sessions WHERE user_id = ${valid.userId}`;
    // A locked account is unlocked by proving access to its mailbox.
    await sql`DELETE FROM sign_in_attempts WHERE key = ${`email:${valid.email.trim().toLowerCase()}`}`;
    return true;
  }) as Promise<boolean>;
}
