import type { Database } from '../../../db/client';
import { rawSql } from '../sql.server';

/**
 * What a campaign has brought, counted in Postgres from the opportunities and offers themselves.
 *
 * Money and currencies: a campaign has one currency and its budget is in it. Amounts in
 * another currency cannot be added to it without an exchange rate, which Baton does not keep,
 * and converting at some rate of the day would make the figures move on their own. So pipeline,
 * won value and won-against-budget count only the leads in the campaign's currency, and the
 * leads in other currencies are reported separately, one line per currency (`otherCurrencies`),
 * never added in. Counts and times (leads, offered, accepted, median) are not money and
 * include every lead.
 */
export interface CampaignFigures {
  currency: string;
  budgetMinor: number;
  overall: FigureRow;
  partners: PartnerFigureRow[];
  otherCurrencies: OtherCurrencyRow[];
}

export interface FigureRow {
  /** Overall: every opportunity of the campaign. Per partner: those it accepted (it holds). */
  leads: number;
  /** Overall: leads offered to at least one partner. Per partner: leads offered to it. */
  offered: number;
  /** Leads accepted and still with the partner: accepted, contacted, proposal, won or lost. */
  accepted: number;
  /** Median of (responded_at − offered_at) over the accepted offers, in seconds; null: none. */
  medianAcceptSeconds: number | null;
  /** Open leads (accepted, contacted, proposal): their value, campaign currency only. */
  pipelineMinor: number;
  /** Won leads: the amount won, campaign currency only. */
  wonMinor: number;
  /** Won value as a share of the budget (0.18 = 18 %); null when the campaign has no budget. */
  wonShareOfBudget: number | null;
}

export interface PartnerFigureRow extends FigureRow {
  partnerId: number;
  partnerName: string;
}

export interface OtherCurrencyRow {
  currency: string;
  leads: number;
  pipelineMinor: number;
  wonMinor: number;
}

const OPEN = ['accepted', 'contacted', 'proposal'];
const ACCEPTED = ['accepted', 'contacted', 'proposal', 'won', 'lost'];

const share = (wonMinor: number, budgetMinor: number) => (budgetMinor > 0 ? wonMinor / budgetMinor : null);
const seconds = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** Null when the campaign does not exist. */
export async function campaignFigures(db: Database, campaignId: number): Promise<CampaignFigures | null> {
  const sql = rawSql(db);
  const [campaign] = await sql`SELECT currency, budget_minor FROM campaigns WHERE id = ${campaignId}`;
  if (!campaign) return null;
  const currency = campaign.currency as string;
  const budgetMinor = Number(campaign.budget_minor);

  const [overall, partnerRows, otherRows] = await Promise.all([
    sql`
      SELECT
        count(*) AS leads,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM offers f WHERE f.opportunity_id = o.id)) AS offered,
        count(*) FILTER (WHERE o.status = ANY(${ACCEPTED}::text[])) AS accepted,
        coalesce(sum(o.value_minor) FILTER (WHERE o.status = ANY(${OPEN}::text[]) AND o.currency = ${currency}), 0) AS pipeline,
        coalesce(sum(o.won_value_minor) FILTER (WHERE o.status = 'won' AND o.currency = ${currency}), 0) AS won,
        (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.responded_at - f.offered_at))
           FROM offers f JOIN opportunities fo ON fo.id = f.opportunity_id
           WHERE fo.campaign_id = ${campaignId} AND f.status = 'accepted') AS median_seconds
      FROM opportunities o
      WHERE o.campaign_id = ${campaignId}`,
    // Offered and median by the partner the offer went to; leads, accepted and money by the
    // partner holding the lead. Partners that joined show up with zeros before any lead.
    sql`
      WITH by_offer AS (
        SELECT f.partner_id,
          count(*) AS offered,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.responded_at - f.offered_at))
            FILTER (WHERE f.status = 'accepted') AS median_seconds
        FROM offers f JOIN opportunities o ON o.id = f.opportunity_id
        WHERE o.campaign_id = ${campaignId}
        GROUP BY f.partner_id
      ), by_holder AS (
        SELECT o.accepted_partner_id AS partner_id,
          count(*) AS leads,
          count(*) FILTER (WHERE o.status = ANY(${ACCEPTED}::text[])) AS accepted,
          coalesce(sum(o.value_minor) FILTER (WHERE o.status = ANY(${OPEN}::text[]) AND o.currency = ${currency}), 0) AS pipeline,
          coalesce(sum(o.won_value_minor) FILTER (WHERE o.status = 'won' AND o.currency = ${currency}), 0) AS won
        FROM opportunities o
        WHERE o.campaign_id = ${campaignId} AND o.accepted_partner_id IS NOT NULL
        GROUP BY o.accepted_partner_id
      ), members AS (
        SELECT partner_id FROM campaign_partners WHERE campaign_id = ${campaignId} AND status = 'joined'
        UNION SELECT partner_id FROM by_offer
        UNION SELECT partner_id FROM by_holder
      )
      SELECT p.id, p.name,
        coalesce(h.leads, 0) AS leads, coalesce(b.offered, 0) AS offered, coalesce(h.accepted, 0) AS accepted,
        b.median_seconds, coalesce(h.pipeline, 0) AS pipeline, coalesce(h.won, 0) AS won
      FROM members m
        JOIN partners p ON p.id = m.partner_id
        LEFT JOIN by_offer b ON b.partner_id = m.partner_id
        LEFT JOIN by_holder h ON h.partner_id = m.partner_id
      ORDER BY won DESC, pipeline DESC, accepted DESC, p.name, p.id`,
    sql`
      SELECT o.currency, count(*) AS leads,
        coalesce(sum(o.value_minor) FILTER (WHERE o.status = ANY(${OPEN}::text[])), 0) AS pipeline,
        coalesce(sum(o.won_value_minor) FILTER (WHERE o.status = 'won'), 0) AS won
      FROM opportunities o
      WHERE o.campaign_id = ${campaignId} AND o.currency <> ${currency}
      GROUP BY o.currency
      ORDER BY o.currency`,
  ]);

  const o = overall[0]!;
  const wonMinor = Number(o.won);
  return {
    currency,
    budgetMinor,
    overall: {
      leads: Number(o.leads),
      offered: Number(o.offered),
      accepted: Number(o.accepted),
      medianAcceptSeconds: seconds(o.median_seconds),
      pipelineMinor: Number(o.pipeline),
      wonMinor,
      wonShareOfBudget: share(wonMinor, budgetMinor),
    },
    partners: partnerRows.map((r) => ({
      partnerId: Number(r.id),
      partnerName: r.name as string,
      leads: Number(r.leads),
      offered: Number(r.offered),
      accepted: Number(r.accepted),
      medianAcceptSeconds: seconds(r.median_seconds),
      pipelineMinor: Number(r.pipeline),
      wonMinor: Number(r.won),
      wonShareOfBudget: share(Number(r.won), budgetMinor),
    })),
    otherCurrencies: otherRows.map((r) => ({
      currency: r.currency as string,
      leads: Number(r.leads),
      pipelineMinor: Number(r.pipeline),
      wonMinor: Number(r.won),
    })),
  };
}
