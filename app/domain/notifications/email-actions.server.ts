import { declineInputSchema } from '../offers/lifecycle.server';
import { accept, declineAndReroute, type LoopDeps } from '../routing/loop.server';
import { isDomainError } from '../errors';
import { iso, rawSql, toDate } from '../sql.server';
import { signEmailAction, tokenDigest, verifyEmailAction, type EmailActionClaims } from './signed-tokens';
import type { Database } from '../../../db/client';

/**
 * Accept / Decline from an email. Opening the link only shows a confirmation page (mail
 * scanners open links); pressing its button acts. Both moments check everything again: the
 * signature, the deadline the link was made for, that the link was not used, that the user may
 * still answer for the partner, and that the offer is still pending.
 */

export type EmailActionProblem = 'invalid' | 'expired' | 'used' | 'not_allowed' | 'not_pending';

export const EMAIL_ACTION_MESSAGES: Record<EmailActionProblem, string> = {
  invalid:
    'This link is not valid: it may have been changed or cut short by your mail program. Open the offer in the portal instead.',
  expired: "This link has expired with the offer's deadline. The offer can no longer be answered.",
  used: 'This link has already been used. Each Accept or Decline link works once.',
  not_allowed: 'This link belongs to an account that can no longer answer this offer.',
  not_pending: 'This offer is no longer open: it was already answered, withdrawn, or its deadline passed.',
};

/** What the confirmation page shows: the lead card, never the customer's identity. */
export interface EmailActionOffer {
  offerId: number;
  opportunityId: number;
  partnerId: number;
  expiresAt: Date;
  need: string;
  productLine: string;
  valueMinor: number;
  currency: string;
  country: string;
  industry: string;
  sizeSegment: string;
  campaignName: string | null;
  userName: string;
  userTimezone: string;
}

export type EmailActionCheck =
  | { ok: true; claims: EmailActionClaims; offer: EmailActionOffer; digest: string }
  | { ok: false; problem: EmailActionProblem; message: string };

const refuse = (problem: EmailActionProblem) => ({
  ok: false as const,
  problem,
  message: EMAIL_ACTION_MESSAGES[problem],
});

export async function checkEmailAction(
  db: Database,
  secret: string,
  token: string,
  now: Date,
): Promise<EmailActionCheck> {
  const verified = verifyEmailAction(secret, token);
  if (!verified.ok) return refuse('invalid');
  const { claims } = verified;
  // The signature's last base64url character carries two unused bits, so four spellings of one
  // link verify. Keyed by the link as we sign it, they are one link and are used up together.
  const digest = tokenDigest(signEmailAction(secret, claims));
  if (now.getTime() >= claims.expiresAtMs) return refuse('expired');
  const [row] = await rawSql(db)`
    SELECT o.id, o.opportunity_id, o.partner_id, o.status, o.expires_at,
           op.need, op.product_line, op.value_minor, op.currency, op.country, op.industry, op.size_segment,
           c.name AS campaign_name,
           u.name AS user_name, u.timezone, u.role, u.partner_id AS user_partner_id, u.disabled_at,
           EXISTS (SELECT 1 FROM email_action_uses WHERE token_digest = ${digest}) AS used
    FROM offers o
      JOIN opportunities op ON op.id = o.opportunity_id
      LEFT JOIN campaigns c ON c.id = op.campaign_id
      JOIN users u ON u.id = ${claims.userId}
    WHERE o.id = ${claims.offerId}`;
  // A signed link always names a real offer and user; without them, treat it as not valid.
  if (!row) return refuse('invalid');
  if (row.used) return refuse('used');
  const mayAnswer =
    !row.disabled_at &&
    (row.role === 'partner_rep' || row.role === 'partner_admin') &&
    row.user_partner_id === row.partner_id;
  if (!mayAnswer) return refuse('not_allowed');
  const expiresAt = toDate(row.expires_at);
  if (row.status !== 'pending' || expiresAt <= now) return refuse('not_pending');
  return {
    ok: true,
    claims,
    digest,
    offer: {
      offerId: Number(row.id),
      opportunityId: Number(row.opportunity_id),
      partnerId: Number(row.partner_id),
      expiresAt,
      need: row.need,
      productLine: row.product_line,
      valueMinor: Number(row.value_minor),
      currency: row.currency,
      country: row.country,
      industry: row.industry,
      sizeSegment: row.size_segment,
      campaignName: row.campaign_name ?? null,
      userName: row.user_name,
      userTimezone: row.timezone,
    },
  };
}

export type EmailActionResult =
  | { ok: true; action: 'accept' | 'decline'; offerId: number; opportunityId: number }
  | { ok: false; problem: EmailActionProblem; message: string }
  | { ok: false; problem: 'invalid_input'; field: 'reason' | 'note'; message: string };

/**
 * Carries out the link's action once. The link is marked used before the answer is tried, in
 * its own statement: two presses race on the primary key and only one goes on. An answer the
 * offer refuses (answered meanwhile, deadline passed) still uses the link up; a failure of ours
 * gives it back.
 */
export async function useEmailAction(
  deps: LoopDeps,
  secret: string,
  token: string,
  form: { reason?: unknown; note?: unknown },
): Promise<EmailActionResult> {
  const now = deps.clock.now();
  const check = await checkEmailAction(deps.db, secret, token, now);
  if (!check.ok) return check;
  const { claims, offer, digest } = check;
  let decline: { reason: unknown; note?: unknown } | null = null;
  if (claims.action === 'decline') {
    const parsed = declineInputSchema.safeParse({ reason: form.reason, note: form.note || undefined });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path[0] === 'note' ? 'note' : 'reason';
      return {
        ok: false,
        problem: 'invalid_input',
        field,
        message: field === 'reason' ? 'Choose why you are declining this lead.' : `Note: ${issue.message}.`,
      };
    }
    decline = parsed.data;
  }
  const used = await rawSql(deps.db)`
    INSERT INTO email_action_uses (token_digest, offer_id, user_id, action, used_at)
    VALUES (${digest}, ${claims.offerId}, ${claims.userId}, ${claims.action}, ${iso(now)}::timestamptz)
    ON CONFLICT (token_digest) DO NOTHING
    RETURNING token_digest`;
  if (used.length === 0) return refuse('used');
  const answer = { offerId: claims.offerId, userId: claims.userId, scope: { partnerId: offer.partnerId } };
  try {
    if (decline) await declineAndReroute(deps, { ...answer, ...decline });
    else await accept(deps, answer);
  } catch (error) {
    if (isDomainError(error)) return refuse('not_pending');
    await rawSql(deps.db)`DELETE FROM email_action_uses WHERE token_digest = ${digest}`;
    throw error;
  }
  return { ok: true, action: claims.action, offerId: claims.offerId, opportunityId: offer.opportunityId };
}
