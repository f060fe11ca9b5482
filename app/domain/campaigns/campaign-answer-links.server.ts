import type { Database } from '../../../db/client';
import type { CampaignInvitation } from '../../../emails/messages';
import type { Clock } from '../clock';
import { isDomainError } from '../errors';
import {
  signCampaignAnswer,
  verifyCampaignAnswer,
  type CampaignAnswer,
  type CampaignAnswerClaims,
} from '../notifications/signed-tokens';
import { rawSql } from '../sql.server';
import { answerInvitation } from './campaigns.server';

/**
 * Join / Decline from a campaign invitation email, without signing in. Opening the link only
 * shows a confirmation page (mail scanners open links); pressing its button answers. Both
 * moments check everything again: the signature, the link's expiry, that the user is still an
 * active admin of the invited partner, and that the invitation is still open.
 *
 * Unlike offer links there is no table of used links: an invitation is answered once, so the
 * answer itself uses up every link of every admin's email, the Join and the Decline alike.
 */

export const CAMPAIGN_ANSWER_LINK_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * 30 days after the email is made, or when the campaign ends if sooner. The end date is a
 * calendar day, the same everywhere, so the link lasts until that day is over in UTC.
 */
export function campaignAnswerExpiresAt(composedAt: Date, endsOn: string | null): Date {
  const inThirtyDays = composedAt.getTime() + CAMPAIGN_ANSWER_LINK_DAYS * DAY_MS;
  const campaignEnds =
    endsOn === null ? Number.POSITIVE_INFINITY : Date.parse(`${endsOn}T00:00:00Z`) + DAY_MS;
  return new Date(Math.min(inThirtyDays, campaignEnds));
}

/** The Join and Decline tokens of one admin's invitation email. */
export function signCampaignAnswerTokens(
  secret: string,
  invitation: { campaignId: number; partnerId: number; userId: number; endsOn: string | null },
  composedAt: Date,
): Record<CampaignAnswer, string> {
  const claims = {
    campaignId: invitation.campaignId,
    partnerId: invitation.partnerId,
    userId: invitation.userId,
    expiresAtMs: campaignAnswerExpiresAt(composedAt, invitation.endsOn).getTime(),
  };
  return {
    join: signCampaignAnswer(secret, { ...claims, answer: 'join' }),
    decline: signCampaignAnswer(secret, { ...claims, answer: 'decline' }),
  };
}

export type CampaignAnswerProblem = 'invalid' | 'expired' | 'not_allowed' | 'answered' | 'completed';

export const CAMPAIGN_ANSWER_MESSAGES: Record<CampaignAnswerProblem, string> = {
  invalid:
    'This link is not valid: it may have been changed or cut short by your mail program. Sign in and answer the invitation on the campaign’s page instead.',
  expired:
    'This link has expired. If the invitation is still open, sign in and answer it on the campaign’s page.',
  not_allowed:
    'This link belongs to an account that can no longer answer for this company: only an active partner admin of the invited company can.',
  answered:
    'This invitation was already answered for your company; each invitation is answered once. The campaign’s page shows the answer.',
  completed: 'This campaign is completed; it can no longer be joined.',
};

/** What the confirmation page shows: what the invitation email showed, and who answers. */
export interface CampaignAnswerInvitation {
  campaign: CampaignInvitation;
  partnerName: string;
  userName: string;
}

export type CampaignAnswerCheck =
  | { ok: true; claims: CampaignAnswerClaims; invitation: CampaignAnswerInvitation }
  | { ok: false; problem: CampaignAnswerProblem; message: string };

const refuse = (problem: CampaignAnswerProblem) => ({
  ok: false as const,
  problem,
  message: CAMPAIGN_ANSWER_MESSAGES[problem],
});

export async function checkCampaignAnswer(
  db: Database,
  secret: string,
  token: string,
  now: Date,
): Promise<CampaignAnswerCheck> {
  const verified = verifyCampaignAnswer(secret, token);
  if (!verified.ok) return refuse('invalid');
  const { claims } = verified;
  if (now.getTime() >= claims.expiresAtMs) return refuse('expired');
  const [row] = await rawSql(db)`
    SELECT c.name, c.goal, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on, c.status AS campaign_status,
           c.target_countries, c.target_industries, c.target_size_segments, c.target_product_lines,
           cp.status AS invitation, p.name AS partner_name,
           u.name AS user_name, u.role, u.partner_id AS user_partner_id, u.disabled_at
    FROM campaign_partners cp
      JOIN campaigns c ON c.id = cp.campaign_id
      JOIN partners p ON p.id = cp.partner_id
      JOIN users u ON u.id = ${claims.userId}
    WHERE cp.campaign_id = ${claims.campaignId} AND cp.partner_id = ${claims.partnerId}`;
  // A signed link always names a real invitation and user; without them, treat it as not valid.
  if (!row) return refuse('invalid');
  const mayAnswer =
    !row.disabled_at && row.role === 'partner_admin' && Number(row.user_partner_id) === claims.partnerId;
  if (!mayAnswer) return refuse('not_allowed');
  if (row.invitation !== 'invited') return refuse('answered');
  if (claims.answer === 'join' && row.campaign_status === 'completed') return refuse('completed');
  return {
    ok: true,
    claims,
    invitation: {
      campaign: {
        campaignId: claims.campaignId,
        name: row.name as string,
        goal: row.goal as string,
        startsOn: (row.starts_on as string | null) ?? null,
        endsOn: (row.ends_on as string | null) ?? null,
        countries: row.target_countries as string[],
        industries: row.target_industries as string[],
        sizeSegments: row.target_size_segments as string[],
        productLines: row.target_product_lines as string[],
      },
      partnerName: row.partner_name as string,
      userName: row.user_name as string,
    },
  };
}

export type CampaignAnswerResult =
  | { ok: true; answer: CampaignAnswer; status: 'joined' | 'declined'; campaignId: number }
  | { ok: false; problem: CampaignAnswerProblem; message: string };

/**
 * Answers the invitation as the link says. answerInvitation changes only an open invitation, under
 * a row lock, so of two presses (or two admins' links) racing, one answers and the other is told
 * why not.
 */
export async function useCampaignAnswer(
  db: Database,
  secret: string,
  token: string,
  clock: Clock,
): Promise<CampaignAnswerResult> {
  const check = await checkCampaignAnswer(db, secret, token, clock.now());
  if (!check.ok) return check;
  const { claims } = check;
  try {
    const { status } = await answerInvitation(
      db,
      { partnerId: claims.partnerId },
      { campaignId: claims.campaignId, answer: claims.answer },
      clock,
    );
    return { ok: true, answer: claims.answer, status, campaignId: claims.campaignId };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    // Answered or completed between the check and the answer: say which, from the state now.
    const again = await checkCampaignAnswer(db, secret, token, clock.now());
    return again.ok ? refuse('answered') : again;
  }
}
