import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { campaigns, offers, opportunities } from '../../db/schema';
import { valueBand } from '../domain/money';
import type { ScoreBreakdown } from '../domain/routing/scoring';
import { cursorTime, timeCursorOf } from './keyset-cursor.server';

/** Offers per inbox page; the "next" link carries the last one's (deadline, id), never an offset. */
export const INBOX_PAGE_SIZE = 50;

/**
 * The lead card: what a partner may know about a lead before accepting it. It is read from
 * opportunities and campaigns only, never customers or contacts, so the customer's identity
 * cannot reach the page by accident.
 */
const leadCard = {
  offerId: offers.id,
  opportunityId: offers.opportunityId,
  status: offers.status,
  round: offers.round,
  offeredAt: offers.offeredAt,
  expiresAt: offers.expiresAt,
  need: opportunities.need,
  productLine: opportunities.productLine,
  valueMinor: opportunities.valueMinor,
  currency: opportunities.currency,
  country: opportunities.country,
  industry: opportunities.industry,
  sizeSegment: opportunities.sizeSegment,
  campaignName: campaigns.name,
};

/**
 * A page of the partner's offers waiting for an answer, nearest deadline first, from `after`
 * (the previous page's last deadline and id), and how many are waiting in all. Walks
 * offers_partner_id_status_idx: a busy partner's inbox is a few hundred offers at most.
 */
export async function getPendingOffers(
  db: Database,
  { partnerId, after = null }: { partnerId: number; after?: { at: string; id: number } | null },
) {
  const pending = and(eq(offers.partnerId, partnerId), eq(offers.status, 'pending'));
  const [rows, [total]] = await Promise.all([
    db
      .select({ ...leadCard, cursorAt: cursorTime(offers.expiresAt), cursorId: offers.id })
      .from(offers)
      .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
      .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
      .where(
        and(
          pending,
          after
            ? sql`(${offers.expiresAt}, ${offers.id}) > (${after.at}::timestamptz, ${after.id})`
            : undefined,
        ),
      )
      .orderBy(asc(offers.expiresAt), asc(offers.id))
      .limit(INBOX_PAGE_SIZE + 1),
    db.select({ n: count() }).from(offers).where(pending),
  ]);
  const shown = rows.slice(0, INBOX_PAGE_SIZE);
  const last = shown[shown.length - 1];
  return {
    offers: shown,
    next: rows.length > INBOX_PAGE_SIZE && last ? timeCursorOf(last) : null,
    total: total?.n ?? 0,
  };
}

/** One of the partner's offers (in any status) with its score breakdown; null for anyone else's. */
export async function getOffer(db: Database, { offerId, partnerId }: { offerId: number; partnerId: number }) {
  const [row] = await db
    .select({ ...leadCard, score: offers.score, scoreBreakdown: offers.scoreBreakdown })
    .from(offers)
    .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
    .where(and(eq(offers.id, offerId), eq(offers.partnerId, partnerId)));
  return row ? { ...row, scoreBreakdown: row.scoreBreakdown as ScoreBreakdown } : null;
}

/** Whether an offer id exists at all: tells a foreign id (logged) from a mistyped one. */
export async function offerExists(db: Database, offerId: number): Promise<boolean> {
  const [row] = await db.select({ id: offers.id }).from(offers).where(eq(offers.id, offerId));
  return row !== undefined;
}

export { valueBand };

const DEADLINE_FORMAT: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

// One formatter per time zone: building one costs ~0.4 ms, and an inbox of 200 cards built 200.
const deadlineFormats = new Map<string, Intl.DateTimeFormat>();

function deadlineFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = deadlineFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { ...DEADLINE_FORMAT, timeZone });
    } catch {
      return deadlineFormatIn('UTC');
    }
    deadlineFormats.set(timeZone, format);
  }
  return format;
}

/** "3 Mar 2026, 10:00 CET" in the reader's own time zone; UTC when theirs is unknown. */
export function formatInZone(at: Date, timeZone: string): string {
  return deadlineFormatIn(timeZone).format(at);
}

const SEGMENT_LABELS: Record<string, string> = {
  enterprise: 'Enterprise',
  mid_market: 'Mid-market',
  small_business: 'Small business',
};
export const sizeSegmentLabel = (segment: string) => SEGMENT_LABELS[segment] ?? segment;

/** The card as the pages show it: strings only, nothing a partner may not see. */
export function presentLeadCard(
  card: Omit<Awaited<ReturnType<typeof getPendingOffers>>['offers'][number], 'cursorAt' | 'cursorId'>,
  timeZone: string,
) {
  const campaignName = card.campaignName ?? 'None';
  const segment = sizeSegmentLabel(card.sizeSegment);
  const band = valueBand(card.valueMinor, card.currency);
  return {
    offerId: card.offerId,
    opportunityId: card.opportunityId,
    status: card.status,
    need: card.need,
    offeredAt: card.offeredAt.toISOString(),
    expiresAt: card.expiresAt.toISOString(),
    deadline: formatInZone(card.expiresAt, timeZone),
    /** Label and value, in the order both inbox pages show them. */
    facts: [
      ['Product line', card.productLine],
      ['Value', band],
      ['Country', card.country],
      ['Industry', card.industry],
      ['Size', segment],
      ['Campaign', campaignName],
    ] satisfies [string, string][],
  };
}

export type LeadCard = ReturnType<typeof presentLeadCard>;
