import type { Database } from '../../../db/client';
import type { Recipient } from '../../../emails/messages';
import type { Composed } from '../notifications/composed';
import { rawSql } from '../sql.server';
import { signCampaignAnswerTokens } from './campaign-answer-links.server';

/**
 * The invitation email of one partner admin, from the campaign as it is now. Only an admin of
 * the invited company gets it (a user who moved company or lost the role meanwhile does not),
 * and an invitation answered before the email went out is not announced any more.
 */
export async function composeCampaignInvitationEmail(
  db: Database,
  input: {
    to: string;
    recipient: Recipient;
    recipientRole: string;
    recipientPartnerId: number | null;
    notificationId: number;
    payload: Record<string, unknown>;
    url: (path: string) => string;
    /** Signs the one-click Join / Decline links. */
    secret: string;
    now: Date;
  },
): Promise<Composed> {
  const campaignId = Number(input.payload.campaignId);
  if (!Number.isSafeInteger(campaignId)) return { kind: 'skip', reason: 'The invitation names no campaign.' };
  const [row] = await rawSql(db)`
    SELECT c.id, c.name, c.goal, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on,
           c.target_countries, c.target_industries, c.target_size_segments, c.target_product_lines,
           cp.partner_id, cp.status AS invitation, p.name AS partner_name, n.user_id
    FROM notifications n
      JOIN campaign_partners cp ON cp.campaign_id = ${campaignId} AND cp.partner_id = n.partner_id
      JOIN campaigns c ON c.id = cp.campaign_id
      JOIN partners p ON p.id = cp.partner_id
    WHERE n.id = ${input.notificationId}`;
  if (!row) return { kind: 'skip', reason: 'The invitation no longer exists.' };
  if (input.recipientPartnerId !== Number(row.partner_id) || input.recipientRole !== 'partner_admin') {
    return { kind: 'skip', reason: 'The recipient is no longer an admin of the invited partner.' };
  }
  if (row.invitation !== 'invited') {
    return { kind: 'skip', reason: 'The invitation was answered before this email went out.' };
  }
  const endsOn = (row.ends_on as string | null) ?? null;
  const tokens = signCampaignAnswerTokens(
    input.secret,
    { campaignId, partnerId: Number(row.partner_id), userId: Number(row.user_id), endsOn },
    input.now,
  );
  return {
    kind: 'message',
    to: input.to,
    message: {
      kind: 'campaign_invitation',
      recipient: input.recipient,
      partnerName: row.partner_name as string,
      campaign: {
        campaignId,
        name: row.name as string,
        goal: row.goal as string,
        startsOn: (row.starts_on as string | null) ?? null,
        endsOn,
        countries: row.target_countries as string[],
        industries: row.target_industries as string[],
        sizeSegments: row.target_size_segments as string[],
        productLines: row.target_product_lines as string[],
      },
      campaignUrl: input.url(`/campaigns/${campaignId}`),
      joinUrl: input.url(`/campaign-answer/${tokens.join}`),
      declineUrl: input.url(`/campaign-answer/${tokens.decline}`),
    },
  };
}
