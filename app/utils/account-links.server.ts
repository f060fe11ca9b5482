import type { TransactionSql } from 'postgres';
import {
  accountLinkSignatureMatches,
  parseAccountLinkToken,
  type AccountLinkPurpose,
} from '../domain/notifications/signed-tokens';
import { iso, rawSql, toDate } from '../domain/sql.server';
import type { AuthDeps } from './session.server';

/**
 * Links that open an account from its mailbox: the password reset and the sign-in link. Both
 * work the same way, kept here once: a row per link (good once, until its expiry), an email row
 * made in the same transaction for the worker to send, and a token `<row id>.<hmac>` signed
 * when the email is composed, so the database never holds a usable link.
 */
export type AccountLinkKind = 'password_reset' | 'sign_in_link';

const LINKS: Record<AccountLinkKind, { table: string; purpose: AccountLinkPurpose; payloadKey: string }> = {
  password_reset: { table: 'password_resets', purpose: 'password-reset', payloadKey: 'resetId' },
  sign_in_link: { table: 'sign_in_links', purpose: 'sign-in-link', payloadKey: 'linkId' },
};

/** The active account with this address, locked for the transaction; null if there is none. */
export async function activeAccountFor(
  sql: TransactionSql,
  email: string,
): Promise<{ id: number; email: string } | null> {
  const [user] = await sql`
    SELECT id, email FROM users WHERE lower(email) = ${email.trim().toLowerCase()} AND disabled_at IS NULL
    FOR UPDATE`;
  return user ? { id: Number(user.id), email: user.email } : null;
}

/** Records a link for the account and the email row that carries it; returns the link's id. */
export async function issueAccountLink(
  sql: TransactionSql,
  kind: AccountLinkKind,
  input: {
    user: { id: number; email: string };
    now: Date;
    lifetimeMs: number;
    /** Further columns of the link's row, e.g. sign_in_links.redirect_to. */
    columns?: Record<string, string | null>;
  },
): Promise<number> {
  const { table, payloadKey } = LINKS[kind];
  // ISO text, not Date: the drizzle client leaves timestamps unserialized (see sql.server).
  const row = {
    user_id: input.user.id,
    created_at: iso(input.now),
    expires_at: iso(new Date(input.now.getTime() + input.lifetimeMs)),
    ...input.columns,
  };
  const [link] = await sql`INSERT INTO ${sql(table)} ${sql(row)} RETURNING id`;
  const linkId = Number(link!.id);
  await sql`
    INSERT INTO notifications (kind, audience, user_id, recipient_email, dedupe_key, payload, created_at)
    VALUES (${kind}, 'user', ${input.user.id}, ${input.user.email}, ${`${kind.replaceAll('_', '-')}-${linkId}`},
            ${JSON.stringify({ [payloadKey]: linkId })}::jsonb, ${iso(input.now)}::timestamptz)`;
  return linkId;
}

export interface AccountLink {
  linkId: number;
  userId: number;
  email: string;
  /** The row itself, for columns of one kind (sign_in_links.redirect_to). */
  row: Record<string, unknown>;
}

/**
 * The link a token stands for, or null when it does not work: malformed, forged, used,
 * replaced, expired, or for a disabled account. Every reason looks alike to the visitor.
 */
export async function checkAccountLink(
  deps: AuthDeps,
  secret: string,
  kind: AccountLinkKind,
  token: string,
): Promise<AccountLink | null> {
  const { table, purpose } = LINKS[kind];
  const parsed = parseAccountLinkToken(token);
  if (!parsed) return null;
  const sql = rawSql(deps.db);
  const [row] = await sql`
    SELECT l.*, u.email, u.disabled_at
    FROM ${sql(table)} l JOIN users u ON u.id = l.user_id
    WHERE l.id = ${parsed.linkId}`;
  if (!row || row.used_at || row.disabled_at) return null;
  const expiresAt = toDate(row.expires_at);
  if (expiresAt <= deps.clock.now()) return null;
  const claims = { linkId: Number(row.id), userId: Number(row.user_id), expiresAtMs: expiresAt.getTime() };
  if (!accountLinkSignatureMatches(secret, purpose, claims, parsed.signature)) return null;
  return { linkId: claims.linkId, userId: claims.userId, email: row.email, row };
}

/**
 * Uses the link up, if it is still good at `now` and its account still active: the one
 * conditional update that lets two tabs pressing the same link have exactly one winner.
 */
export async function useUpAccountLink(
  sql: TransactionSql,
  kind: AccountLinkKind,
  linkId: number,
  now: Date,
): Promise<boolean> {
  const { table } = LINKS[kind];
  const used = await sql`
    UPDATE ${sql(table)} l SET used_at = ${iso(now)}::timestamptz
    FROM users u
    WHERE l.id = ${linkId} AND u.id = l.user_id AND u.disabled_at IS NULL
      AND l.used_at IS NULL AND l.expires_at > ${iso(now)}::timestamptz
    RETURNING l.id`;
  return used.length > 0;
}

/** Ends every other link of the account still open: a newer one replaces them, or they served. */
export async function useUpOpenLinksOf(
  sql: TransactionSql,
  kind: AccountLinkKind,
  userId: number,
  now: Date,
): Promise<void> {
  const { table } = LINKS[kind];
  await sql`UPDATE ${sql(table)} SET used_at = ${iso(now)}::timestamptz WHERE user_id = ${userId} AND used_at IS NULL`;
}
