import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { campaignAccounts, campaignPartners, campaigns, customers, partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import type { PartnerScope } from '../partner-scope';
import { recordNotifications } from '../side-effects.server';
import { rawSql } from '../sql.server';
import { inTransaction } from '../transaction.server';
import type { CampaignInput } from './campaign-form';

/** A new campaign; whoever creates it coordinates it. */
export async function createCampaign(
  db: Database,
  input: { coordinatorUserId: number; campaign: CampaignInput },
  clock: Clock,
): Promise<{ campaignId: number }> {
  const [row] = await db
    .insert(campaigns)
    .values({ ...input.campaign, coordinatorUserId: input.coordinatorUserId, createdAt: clock.now() })
    .returning({ id: campaigns.id });
  return { campaignId: row!.id };
}

/** Changes every field of the form; the coordinator stays who it was. */
export async function updateCampaign(
  db: Database,
  input: { campaignId: number; campaign: CampaignInput },
): Promise<void> {
  const rows = await db
    .update(campaigns)
    .set(input.campaign)
    .where(eq(campaigns.id, input.campaignId))
    .returning({ id: campaigns.id });
  if (rows.length === 0) throw notFound('Campaign', input.campaignId);
}

export interface PartnerSuggestion {
  partnerId: number;
  name: string;
  tier: string;
  countries: string[];
  /** How many of the campaign's targets the partner covers, per kind and in all. */
  matchingCountries: number;
  matchingIndustries: number;
  matchingSegments: number;
  matchingProductLines: number;
  overlap: number;
}

export const SUGGESTIONS_SHOWN = 50;

/**
 * Active partners not yet invited, those covering most of the campaign's targets first
 * (countries, industries, size segments and product lines count one each), then by name.
 */
export async function suggestPartners(
  db: Database,
  campaignId: number,
  limit = SUGGESTIONS_SHOWN,
): Promise<PartnerSuggestion[]> {
  const rows = await rawSql(db)`
    WITH c AS (
      SELECT target_countries, target_industries, target_size_segments, target_product_lines
      FROM campaigns WHERE id = ${campaignId}
    ), scored AS (
      SELECT p.id, p.name, p.tier, p.countries,
        cardinality(ARRAY(SELECT unnest(p.countries) INTERSECT SELECT unnest(c.target_countries))) AS countries_hit,
        cardinality(ARRAY(SELECT unnest(p.industries) INTERSECT SELECT unnest(c.target_industries))) AS industries_hit,
        cardinality(ARRAY(SELECT unnest(p.size_segments) INTERSECT SELECT unnest(c.target_size_segments))) AS segments_hit,
        cardinality(ARRAY(SELECT unnest(p.product_lines) INTERSECT SELECT unnest(c.target_product_lines))) AS product_lines_hit
      FROM partners p CROSS JOIN c
      WHERE p.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM campaign_partners cp WHERE cp.campaign_id = ${campaignId} AND cp.partner_id = p.id)
    )
    SELECT *, countries_hit + industries_hit + segments_hit + product_lines_hit AS overlap
    FROM scored
    ORDER BY overlap DESC, name, id
    LIMIT ${limit}`;
  return rows.map((r) => ({
    partnerId: Number(r.id),
    name: r.name as string,
    tier: r.tier as string,
    countries: r.countries as string[],
    matchingCountries: Number(r.countries_hit),
    matchingIndustries: Number(r.industries_hit),
    matchingSegments: Number(r.segments_hit),
    matchingProductLines: Number(r.product_lines_hit),
    overlap: Number(r.overlap),
  }));
}

export const MAX_INVITATIONS_AT_ONCE = 200;

/**
 * Invites partners to the campaign. Each new invitation and the notification that tells the
 * partner's admins about it are written in one transaction: an invitation is never left
 * unannounced, and a repeated submit (a partner already invited) invites and announces nothing.
 */
export async function invitePartners(
  db: Database,
  input: { campaignId: number; partnerIds: number[] },
  clock: Clock,
): Promise<{ invited: number[]; alreadyInvited: number[] }> {
  const partnerIds = [...new Set(input.partnerIds)];
  if (partnerIds.length === 0) throw invalidInput('partnerIds', 'Choose at least one partner to invite.');
  if (partnerIds.length > MAX_INVITATIONS_AT_ONCE) {
    throw invalidInput('partnerIds', `Invite at most ${MAX_INVITATIONS_AT_ONCE} partners at once.`);
  }
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [campaign] = await tx
      .select({ id: campaigns.id, status: campaigns.status })
      .from(campaigns)
      .where(eq(campaigns.id, input.campaignId))
      .for('update');
    if (!campaign) throw notFound('Campaign', input.campaignId);
    if (campaign.status === 'completed') {
      throw invalidInput('partnerIds', 'This campaign is completed; nobody can be invited to it any more.');
    }
    const found = await tx
      .select({ id: partners.id })
      .from(partners)
      .where(and(inArray(partners.id, partnerIds), eq(partners.status, 'active')));
    if (found.length !== partnerIds.length) {
      throw invalidInput('partnerIds', 'Choose active partners from the list; one of them is not.');
    }
    const inserted = await tx
      .insert(campaignPartners)
      .values(partnerIds.map((partnerId) => ({ campaignId: campaign.id, partnerId, invitedAt: now })))
      .onConflictDoNothing()
      .returning({ partnerId: campaignPartners.partnerId });
    const invited = inserted.map((r) => r.partnerId).sort((a, b) => a - b);
    await recordNotifications(
      tx,
      invited.map((partnerId) => ({
        kind: 'campaign_invitation' as const,
        audience: 'partner' as const,
        partnerId,
        dedupeKey: `campaign-invitation-${campaign.id}-partner-${partnerId}`,
        payload: { campaignId: campaign.id },
        createdAt: now,
      })),
    );
    return { invited, alreadyInvited: partnerIds.filter((id) => !invited.includes(id)) };
  });
}

export const INVITATION_ANSWERS = ['join', 'decline'] as const;
export type InvitationAnswer = (typeof INVITATION_ANSWERS)[number];

/**
 * A partner answers its campaign invitation, once: only an open invitation can be answered.
 * The scope is the answering user's company, so another company's invitation is not found.
 */
export async function answerInvitation(
  db: Database,
  scope: PartnerScope,
  input: { campaignId: number; answer: InvitationAnswer },
  clock: Clock,
): Promise<{ status: 'joined' | 'declined' }> {
  const status = input.answer === 'join' ? 'joined' : 'declined';
  return inTransaction(db, async (tx) => {
    const [current] = await tx
      .select({ status: campaignPartners.status, campaignStatus: campaigns.status })
      .from(campaignPartners)
      .innerJoin(campaigns, eq(campaigns.id, campaignPartners.campaignId))
      .where(
        and(
          eq(campaignPartners.campaignId, input.campaignId),
          eq(campaignPartners.partnerId, scope.partnerId),
        ),
      )
      .for('update', { of: campaignPartners });
    if (!current) throw notFound('Campaign', input.campaignId);
    if (current.status !== 'invited') {
      throw new DomainError(
        'invalid_input',
        current.status === 'joined'
          ? 'Your company has already joined this campaign.'
          : 'Your company has already declined this campaign.',
        'answer',
      );
    }
    if (status === 'joined' && current.campaignStatus === 'completed') {
      throw new DomainError(
        'invalid_input',
        'This campaign is completed; it can no longer be joined.',
        'answer',
      );
    }
    await tx
      .update(campaignPartners)
      .set({ status, respondedAt: clock.now() })
      .where(
        and(
          eq(campaignPartners.campaignId, input.campaignId),
          eq(campaignPartners.partnerId, scope.partnerId),
          eq(campaignPartners.status, 'invited'),
        ),
      );
    return { status };
  });
}

/** A customer record becomes one of the campaign's target accounts (again: nothing changes). */
export async function addTargetAccount(
  db: Database,
  input: { campaignId: number; customerId: number },
  clock: Clock,
): Promise<{ added: boolean }> {
  return inTransaction(db, async (tx) => {
    const [campaign] = await tx
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(eq(campaigns.id, input.campaignId));
    if (!campaign) throw notFound('Campaign', input.campaignId);
    // A merged record lives on in its survivor; adding the shell would show an empty account.
    const [customer] = await tx
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, input.customerId), isNull(customers.mergedIntoId)));
    if (!customer) throw invalidInput('customerId', 'Choose a customer from the search results.');
    const rows = await tx
      .insert(campaignAccounts)
      .values({ campaignId: campaign.id, customerId: customer.id, addedAt: clock.now() })
      .onConflictDoNothing()
      .returning({ customerId: campaignAccounts.customerId });
    return { added: rows.length > 0 };
  });
}

export async function removeTargetAccount(
  db: Database,
  input: { campaignId: number; customerId: number },
): Promise<{ removed: boolean }> {
  const rows = await db
    .delete(campaignAccounts)
    .where(
      and(
        eq(campaignAccounts.campaignId, input.campaignId),
        eq(campaignAccounts.customerId, input.customerId),
      ),
    )
    .returning({ customerId: campaignAccounts.customerId });
  return { removed: rows.length > 0 };
}
