import type { Database } from '../../../db/client';
import type { DECLINE_REASONS } from '../../../db/enums';
import type { EmailMessage, LeadCard, OpportunitySummary, Recipient } from '../../../emails/messages';
import { composeCampaignInvitationEmail } from '../campaigns/invitation-email.server';
import { formatMoney, valueBand } from '../money';
import { declineReasonLabel, unroutableReasonLabel } from '../offers/reason-labels';
import { composeRegistrationEmail } from '../opportunities/registration-email.server';
import { rawSql, toDate, toDateOrNull } from '../sql.server';
import type { Composed } from './composed';
import { signAccountLink, signEmailAction } from './signed-tokens';

export interface ComposeContext {
  /** The portal's origin as recipients reach it, e.g. https://partners.example.com. */
  publicUrl: string;
  secret: string;
  now: Date;
}

export type { Composed };

/**
 * The email an email row stands for, from Postgres as it is now, not as it was when the row was
 * made: the deadline after an extension, the recipient's current address and time zone. An
 * offer that was answered or ended before its email went out is not announced any more.
 */
export async function composeNotificationEmail(
  db: Database,
  notificationId: number,
  context: ComposeContext,
): Promise<Composed> {
  const [row] = await rawSql(db)`
    SELECT n.kind, n.payload, n.created_at, n.offer_id, n.opportunity_id, n.partner_id AS notice_partner_id,
           u.id AS user_id, u.role, u.name AS user_name, u.email, u.timezone, u.disabled_at, u.partner_id AS user_partner_id,
           o.status AS offer_status, o.partner_id AS offer_partner_id, o.expires_at, o.responded_at, o.decline_reason,
           op.need, op.product_line, op.value_minor, op.currency, op.country, op.industry, op.size_segment,
           c.name AS campaign_name, p.name AS partner_name,
           coalesce(pr.id, sl.id) AS link_id, coalesce(pr.expires_at, sl.expires_at) AS link_expires_at,
           coalesce(pr.used_at, sl.used_at) AS link_used_at
    FROM notifications n
      JOIN users u ON u.id = n.user_id
      LEFT JOIN offers o ON o.id = n.offer_id
      LEFT JOIN opportunities op ON op.id = n.opportunity_id
      LEFT JOIN campaigns c ON c.id = op.campaign_id
      LEFT JOIN partners p ON p.id = coalesce(o.partner_id, n.partner_id)
      LEFT JOIN password_resets pr ON n.kind = 'password_reset' AND pr.id = (n.payload->>'resetId')::int
      LEFT JOIN sign_in_links sl ON n.kind = 'sign_in_link' AND sl.id = (n.payload->>'linkId')::int
    WHERE n.id = ${notificationId} AND n.audience = 'user'`;
  if (!row) return { kind: 'skip', reason: 'The email row no longer exists.' };
  if (row.disabled_at) return { kind: 'skip', reason: "The recipient's account is disabled." };

  const url = (path: string) => `${context.publicUrl}${path}`;
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  const recipient: Recipient = { name: row.user_name, email: row.email, timezone: row.timezone };
  const createdAt = toDate(row.created_at);
  const message = (m: EmailMessage): Composed => ({ kind: 'message', to: row.email, message: m });
  const lead = (): LeadCard => ({
    opportunityId: Number(row.opportunity_id),
    need: row.need,
    productLine: row.product_line,
    valueBand: valueBand(Number(row.value_minor), row.currency),
    country: row.country,
    industry: row.industry,
    sizeSegment: row.size_segment,
    campaignName: row.campaign_name ?? null,
  });
  const summary = (): OpportunitySummary => ({
    opportunityId: Number(row.opportunity_id),
    need: row.need,
    productLine: row.product_line,
    country: row.country,
    value: formatMoney(Number(row.value_minor), row.currency),
    campaignName: row.campaign_name ?? null,
  });

  const kind = row.kind as string;
  if (kind.startsWith('offer_')) {
    // A partner's email goes only to that partner's people, even if a user moved meanwhile.
    if (row.offer_partner_id === null || row.user_partner_id !== row.offer_partner_id) {
      return { kind: 'skip', reason: 'The recipient does not belong to the partner of this offer.' };
    }
  }
  if (kind === 'lead_taken_back' && row.user_partner_id !== row.notice_partner_id) {
    return { kind: 'skip', reason: 'The recipient does not belong to the partner the lead was taken from.' };
  }
  const expiresAt = toDateOrNull(row.expires_at);

  switch (kind) {
    case 'offer_new':
    case 'offer_reminder':
    case 'offer_extended': {
      if (row.offer_status !== 'pending' || !expiresAt || expiresAt <= context.now) {
        return { kind: 'skip', reason: 'The offer was answered or ended before this email went out.' };
      }
      // A second extension before this email went out: only the latest deadline is announced.
      if (
        kind !== 'offer_new' &&
        payload.expiresAt &&
        toDate(payload.expiresAt).getTime() !== expiresAt.getTime()
      ) {
        return {
          kind: 'skip',
          reason:
            kind === 'offer_reminder'
              ? 'The deadline moved after this reminder was made.'
              : 'The deadline moved again after this email was made.',
        };
      }
      const claims = {
        offerId: Number(row.offer_id),
        userId: Number(row.user_id),
        expiresAtMs: expiresAt.getTime(),
      };
      const links = {
        offerUrl: url(`/inbox/${row.offer_id}`),
        acceptUrl: url(`/email-action/${signEmailAction(context.secret, { ...claims, action: 'accept' })}`),
        declineUrl: url(`/email-action/${signEmailAction(context.secret, { ...claims, action: 'decline' })}`),
      };
      if (kind === 'offer_extended') {
        return message({ kind, recipient, partnerName: row.partner_name, lead: lead(), expiresAt, links });
      }
      return kind === 'offer_new'
        ? message({ kind, recipient, partnerName: row.partner_name, lead: lead(), expiresAt, links })
        : message({
            kind,
            recipient,
            partnerName: row.partner_name,
            lead: lead(),
            expiresAt,
            hoursBefore: Number(payload.hoursBefore ?? 0),
            links,
          });
    }
    case 'offer_expired':
      return message({ kind, recipient, lead: lead(), expiredAt: createdAt });
    case 'offer_withdrawn':
      return message({ kind, recipient, lead: lead(), withdrawnAt: createdAt });
    case 'lead_taken_back':
      return message({
        kind,
        recipient,
        partnerName: row.partner_name,
        lead: lead(),
        takenBackAt: createdAt,
        reason: typeof payload.reason === 'string' ? payload.reason : '',
      });
    case 'offer_accepted':
      return message({
        kind,
        recipient,
        lead: lead(),
        acceptedAt: toDateOrNull(row.responded_at) ?? createdAt,
        leadUrl: url(`/leads/${row.opportunity_id}`),
      });
    case 'offer_declined':
      return message({
        kind,
        recipient,
        lead: lead(),
        declinedAt: toDateOrNull(row.responded_at) ?? createdAt,
        reasonLabel: declineReasonLabel(row.decline_reason as (typeof DECLINE_REASONS)[number] | null),
      });
    case 'opportunity_unroutable':
      return message({
        kind,
        recipient,
        opportunity: summary(),
        reasonLabel: unroutableReasonLabel(typeof payload.reason === 'string' ? payload.reason : null),
        at: createdAt,
        opportunityUrl: url(`/opportunities/${row.opportunity_id}`),
      });
    case 'lead_accepted':
      return message({
        kind,
        recipient,
        opportunity: summary(),
        partnerName: row.partner_name,
        acceptedAt: toDateOrNull(row.responded_at) ?? createdAt,
        forCoordinator: row.role === 'campaign_coordinator',
        opportunityUrl: url(`/opportunities/${row.opportunity_id}`),
      });
    case 'registration_submitted':
    case 'registration_decided':
      return composeRegistrationEmail(db, {
        kind,
        to: row.email,
        recipient,
        recipientPartnerId: row.user_partner_id ?? null,
        partnerName: row.partner_name ?? 'A partner',
        opportunity: summary(),
        payload,
        createdAt,
        url,
      });
    case 'campaign_invitation':
      return composeCampaignInvitationEmail(db, {
        to: row.email,
        recipient,
        recipientRole: row.role,
        recipientPartnerId: row.user_partner_id ?? null,
        notificationId,
        payload,
        url,
        secret: context.secret,
        now: context.now,
      });
    case 'daily_digest':
      return message({
        kind,
        recipient,
        at: createdAt,
        pending: Number(payload.pending ?? 0),
        expiringSoon: Number(payload.expiringSoon ?? 0),
        unroutable: Number(payload.unroutable ?? 0),
        acceptedLastDay: Number(payload.acceptedLastDay ?? 0),
        queueUrl: url('/queue'),
        preferencesUrl: url('/settings/notifications'),
      });
    case 'password_reset':
    case 'sign_in_link': {
      const linkExpiresAt = toDateOrNull(row.link_expires_at);
      if (!row.link_id || row.link_used_at || !linkExpiresAt || linkExpiresAt <= context.now) {
        const what = kind === 'password_reset' ? 'reset link' : 'sign-in link';
        return { kind: 'skip', reason: `The ${what} was used or expired before this email went out.` };
      }
      const claims = {
        linkId: Number(row.link_id),
        userId: Number(row.user_id),
        expiresAtMs: linkExpiresAt.getTime(),
      };
      return kind === 'password_reset'
        ? message({
            kind,
            recipient,
            resetUrl: url(`/reset-password/${signAccountLink(context.secret, 'password-reset', claims)}`),
            expiresAt: linkExpiresAt,
          })
        : message({
            kind,
            recipient,
            signInUrl: url(`/sign-in-link/${signAccountLink(context.secret, 'sign-in-link', claims)}`),
            expiresAt: linkExpiresAt,
          });
    }
    default:
      return { kind: 'skip', reason: `No email is made for ${kind}.` };
  }
}
