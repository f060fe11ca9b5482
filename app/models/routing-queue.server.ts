import { and, type AnyColumn, asc, desc, eq, exists, gte, ilike, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { customers, offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { HOUR_MS } from '../domain/clock';
import { cursorTime, MAX_SERIAL_ID, parseTimeCursor, timeCursorOf } from './keyset-cursor.server';
import { containsPattern } from './like-pattern';
import { getQueueCounts } from './queue-counts.server';
import { EXPIRING_SOON_HOURS, expiringSoonBy } from '../domain/offers/deadline';

export { EXPIRING_SOON_HOURS };

/** Rows per page of every list; the "Next" link carries the last row's keyset cursor, never an offset. */
export const QUEUE_PAGE_SIZE = 50;
/** How far back "recent declines and expiries" reach. */
export const RECENT_ENDINGS_DAYS = 7;

export const QUEUE_STATUSES = ['pending', 'expiring', 'unroutable', 'ended'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const ID_CURSOR = /^\d{1,10}$/;

export type QueueCursor = { at: string; id: number } | { id: number };

function parseCursor(status: QueueStatus, raw: string): QueueCursor | null {
  if (status === 'unroutable') {
    const id = ID_CURSOR.test(raw) ? Number(raw) : NaN;
    return id >= 1 && id <= MAX_SERIAL_ID ? { id } : null;
  }
  return parseTimeCursor(raw);
}

const optionalId = (message: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: message }).int(message).min(1, message).max(MAX_SERIAL_ID, message).optional(),
  );

/**
 * The queue's query string. Every field is optional; `after` is only meaningful with a status,
 * because each list has its own order and so its own kind of cursor.
 */
export const queueQuerySchema = z
  .object({
    status: z.preprocess(
      blankToUndefined,
      z.enum(QUEUE_STATUSES, { error: 'Choose a status from the list.' }).optional(),
    ),
    country: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z]{2}$/, 'Enter a two-letter country code such as DE.')
        .optional(),
    ),
    /** A partner's number or name; the loader resolves it with `resolvePartner`. */
    partner: z.preprocess(blankToUndefined, z.string().trim().max(100, 'At most 100 characters.').optional()),
    productLine: z.preprocess(
      blankToUndefined,
      z.string().trim().max(100, 'At most 100 characters.').optional(),
    ),
    campaign: optionalId('Choose a campaign from the list.'),
    q: z.preprocess(blankToUndefined, z.string().trim().max(100, 'At most 100 characters.').optional()),
    after: z.preprocess(blankToUndefined, z.string().max(60).optional()),
  })
  .transform((query, ctx) => {
    let cursor: QueueCursor | undefined;
    if (query.after !== undefined) {
      const parsed = query.status ? parseCursor(query.status, query.after) : null;
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          path: ['after'],
          message: 'This page link is not valid any more; start again from the first page.',
        });
        return z.NEVER;
      }
      cursor = parsed;
    }
    // A number is the partner's id; anything else is (part of) a name that the loader resolves.
    const { partner: typedPartner, ...rest } = query;
    const partnerNumber = typedPartner !== undefined && /^#?\d{1,10}$/.test(typedPartner);
    const partnerId = partnerNumber ? Number(typedPartner.replace('#', '')) : NaN;
    if (partnerNumber && !(partnerId >= 1 && partnerId <= MAX_SERIAL_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['partner'],
        message: `There is no partner number ${partnerId}.`,
      });
      return z.NEVER;
    }
    const partner: { partner?: number; partnerName?: string } =
      typedPartner === undefined
        ? {}
        : partnerNumber
          ? { partner: partnerId }
          : { partnerName: typedPartner };
    return { ...rest, cursor, ...partner };
  });

export type QueueQuery = z.output<typeof queueQuerySchema>;

/**
 * Conditions on the opportunity shared by every list. The search matches the lead's number, its
 * need, or its customer's name; the name is only compared, never selected.
 */
function opportunityConditions(query: QueueQuery, use: 'find' | 'test' = 'find'): SQL[] {
  const conditions: SQL[] = [];
  if (query.country) conditions.push(eq(opportunities.country, query.country));
  if (query.productLine) conditions.push(eq(opportunities.productLine, query.productLine));
  if (query.campaign) conditions.push(eq(opportunities.campaignId, query.campaign));
  if (query.q) {
    const pattern = containsPattern(query.q);
    const number = /^#?\d{1,10}$/.test(query.q) ? Number(query.q.replace('#', '')) : NaN;
    // The matching customers are found once, through customers_name_trgm_idx, and each lead is
    // compared by customer_id: with an EXISTS per lead inside the OR, the planner could only walk
    // every candidate lead and test it, seconds at a million leads for a rare name. As an array,
    // the three tests are plain conditions on the lead, which a BitmapOr of the primary key,
    // opportunities_need_trgm_idx and opportunities_customer_id_idx can answer when they are rare.
    const matchingCustomers = sql`select ${customers.id} from ${customers} where ${ilike(customers.name, pattern)}`;
    // To test the leads of phase 1's window one by one, `in (…)` instead: a hashed subplan, one
    // probe per lead, where `= any(array)` would compare each lead with every matching customer.
    const customerMatches =
      use === 'find'
        ? sql`${opportunities.customerId} = any(array(${matchingCustomers}))`
        : sql`${opportunities.customerId} in (${matchingCustomers})`;
    const matches = [ilike(opportunities.need, pattern), customerMatches];
    if (number >= 1 && number <= MAX_SERIAL_ID) matches.unshift(eq(opportunities.id, number));
    conditions.push(or(...matches)!);
  }
  return conditions;
}

function page<T extends object>(rows: T[], cursorOf: (row: T) => string) {
  const shown = rows.slice(0, QUEUE_PAGE_SIZE);
  const last = shown[shown.length - 1];
  return { rows: shown, next: rows.length > QUEUE_PAGE_SIZE && last ? cursorOf(last) : null };
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * How many rows of a list's own order a filtered page reads before it gives up on finding a full
 * page there (phase 1 of a filtered page, see `twoPhase`).
 */
export const QUEUE_WALK = 5_000;

/**
 * A filter that leaves at most this many leads (of any status) is read from its own side at once:
 * those leads through their indexes, then their offers or events, a few ms whatever the list.
 */
export const QUEUE_FEW_MATCHES = 300;

export interface QueueOptions {
  /** Rows of phase 1's window; tests make it tiny to reach phase 2 with a handful of rows. */
  walk?: number;
  /** `QUEUE_FEW_MATCHES`; 0 never skips phase 1 (tests of the two phases). */
  fewMatches?: number;
}

/**
 * Whether a search (with the query's other conditions on the lead) matches fewer than `limit`
 * leads, counted once per request for all its lists, reading at most `limit` rows: a lead's
 * number, a rare word or a name answers in a few ms, where phase 1 would first read a whole
 * window for nothing (q number: 50-85 ms -> 8-11 ms at 1M leads).
 */
function fewMatchingLeads(tx: Tx, query: QueueQuery, limit: number): () => Promise<boolean> {
  const conditions = opportunityConditions(query);
  let answer: Promise<boolean> | undefined;
  return () => {
    // Only a search can be that rare: a country, product line or campaign has its own partial
    // indexes for phase 2, and counting its leads would cost more than it saves.
    if (limit <= 0 || query.q === undefined) return Promise.resolve(false);
    answer ??= tx
      .select({ n: sql<number>`count(*)::int` })
      .from(
        tx
          .select({ one: sql`1`.as('one') })
          .from(opportunities)
          .where(and(...conditions))
          .limit(limit)
          .as('queue_probe'),
      )
      .then(([row]) => (row?.n ?? limit) < limit);
    return answer;
  };
}

/**
 * A filtered page in two bounded steps, because no single plan is fast for every filter at a
 * million leads: walking the list's order index and filtering is slow when matches are rare, and
 * reading every match and sorting is slow when they are common (and Postgres's estimate for
 * `need ILIKE '%word%'` can be off by hundreds of times).
 *
 * When the filter leaves only a few leads at all (`fewMatches`), phase 2 alone answers, from the
 * cursor. Otherwise phase 1 (`window`) reads at most `walk` rows of the list in its own order from
 * the cursor, applies the filters to that window and keeps the first page + 1. If that filled the
 * page, or the window held fewer than `walk` rows (the list ended inside it), these are the first
 * matches in keyset order: done. Otherwise fewer than one row in `walk / (page + 1)` matches, so
 * the filter is selective, and phase 2 (`beyond`) starts from the selective side (the matching
 * leads, through their indexes) and takes the first matches after the window's last row (`edge`).
 * A page is therefore phase 1's matches followed by phase 2's, in the same order as one query.
 */
async function twoPhase<T, E>(steps: {
  cursor: E | null;
  fewMatches: () => Promise<boolean>;
  window: () => Promise<T[]>;
  edge: () => Promise<E | undefined>;
  beyond: (after: E | null) => Promise<T[]>;
}): Promise<T[]> {
  if (await steps.fewMatches()) return steps.beyond(steps.cursor);
  const rows = await steps.window();
  if (rows.length > QUEUE_PAGE_SIZE) return rows;
  const edge = await steps.edge();
  if (edge === undefined) return rows;
  return [...rows, ...(await steps.beyond(edge))].slice(0, QUEUE_PAGE_SIZE + 1);
}

/**
 * Phase 1's filter, one window row at a time: the lead `opportunityId` if it matches. A LATERAL
 * subquery with a LIMIT (1: the id is the key), which the planner can neither pull up nor hash:
 * it has to walk the window in order and stop at the page's last match, instead of reading every
 * match elsewhere (its estimate for ILIKE is far too low) and sorting them.
 */
const matchingLead = (tx: Tx, opportunityId: SQL.Aliased<number> | AnyColumn, conditions: SQL[]) =>
  tx
    .select({ matched: sql<number>`1`.as('matched') })
    .from(opportunities)
    .where(and(sql`${opportunities.id} = ${opportunityId}`, ...conditions))
    .limit(1)
    .as('queue_match');

/** Literal rather than bound, so that the planner matches the partial indexes in every plan. */
const offerIsPending = sql`${offers.status} = 'pending'`;
const isEnding = sql`${opportunityEvents.kind} in ('declined', 'expired')`;

const pendingColumns = {
  offerId: offers.id,
  opportunityId: offers.opportunityId,
  round: offers.round,
  offeredAt: offers.offeredAt,
  expiresAt: offers.expiresAt,
  partnerId: partners.id,
  partnerName: partners.name,
  need: opportunities.need,
  productLine: opportunities.productLine,
  country: opportunities.country,
  valueMinor: opportunities.valueMinor,
  currency: opportunities.currency,
  cursorAt: cursorTime(offers.expiresAt),
  cursorId: offers.id,
};

/** `(expires_at, id)` after a cursor; a row comparison, so that it walks (expires_at, id) indexes. */
const pendingAfter = (cursor: { at: string; id: number }) =>
  sql`(${offers.expiresAt}, ${offers.id}) > (${cursor.at}::timestamptz, ${cursor.id})`;

/** Pending offers by deadline; `expiringBy` narrows them to those due by then. */
interface PageSteps {
  walk: number;
  fewMatches: () => Promise<boolean>;
}

async function pendingPage(
  tx: Tx,
  query: QueueQuery,
  expiringBy: Date | null,
  { walk, fewMatches }: PageSteps,
) {
  const cursor = query.cursor && 'at' in query.cursor ? query.cursor : null;
  // The list itself: walks offers_pending_expires_at_idx (expires_at, id) from the cursor on, or
  // offers_pending_partner_expires_at_idx (partner_id, expires_at, id) for one partner.
  const listConditions = (after: { at: string; id: number } | null) =>
    and(
      offerIsPending,
      expiringBy ? lte(offers.expiresAt, expiringBy) : undefined,
      query.partner ? eq(offers.partnerId, query.partner) : undefined,
      after ? pendingAfter(after) : undefined,
    );
  const leadConditions = opportunityConditions(query);
  const leadTests = opportunityConditions(query, 'test');
  if (leadConditions.length === 0) {
    // No filter, or the partner's alone: every row of the walk is a row of the page.
    const rows = await tx
      .select(pendingColumns)
      .from(offers)
      .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
      .innerJoin(partners, eq(partners.id, offers.partnerId))
      .where(listConditions(cursor))
      .orderBy(asc(offers.expiresAt), asc(offers.id))
      .limit(QUEUE_PAGE_SIZE + 1);
    return page(rows, timeCursorOf);
  }
  const rows = await twoPhase({
    cursor,
    fewMatches,
    window: () => {
      const window = tx
        .select({ id: offers.id, expiresAt: offers.expiresAt, opportunityId: offers.opportunityId })
        .from(offers)
        .where(listConditions(cursor))
        .orderBy(asc(offers.expiresAt), asc(offers.id))
        .limit(walk)
        .as('queue_window');
      return tx
        .select(pendingColumns)
        .from(window)
        .innerJoinLateral(matchingLead(tx, window.opportunityId, leadTests), sql`true`)
        .innerJoin(offers, eq(offers.id, window.id))
        .innerJoin(opportunities, eq(opportunities.id, window.opportunityId))
        .innerJoin(partners, eq(partners.id, offers.partnerId))
        .orderBy(asc(window.expiresAt), asc(window.id))
        .limit(QUEUE_PAGE_SIZE + 1);
    },
    edge: async () => {
      const [edge] = await tx
        .select({ at: cursorTime(offers.expiresAt), id: offers.id })
        .from(offers)
        .where(listConditions(cursor))
        .orderBy(asc(offers.expiresAt), asc(offers.id))
        .offset(walk - 1)
        .limit(1);
      return edge;
    },
    // Every offered lead has exactly one pending offer: the matching offered leads (through the
    // partial indexes on status = 'offered' or the trigram indexes), then each one's offer. The
    // offer is a LATERAL subquery with a LIMIT (1: offers_one_pending_per_opportunity), so that
    // the planner cannot turn this back into a walk of every pending offer after the window,
    // as it would whenever it overestimates the matches.
    beyond: (after) => {
      const leadOffer = tx
        .select({ id: offers.id, expiresAt: offers.expiresAt })
        .from(offers)
        .where(and(sql`${offers.opportunityId} = ${opportunities.id}`, listConditions(after)))
        .limit(1)
        .as('queue_lead_offer');
      return tx
        .select(pendingColumns)
        .from(opportunities)
        .innerJoinLateral(leadOffer, sql`true`)
        .innerJoin(offers, eq(offers.id, leadOffer.id))
        .innerJoin(partners, eq(partners.id, offers.partnerId))
        .where(and(sql`${opportunities.status} = 'offered'`, ...leadConditions))
        .orderBy(asc(leadOffer.expiresAt), asc(leadOffer.id))
        .limit(QUEUE_PAGE_SIZE + 1);
    },
  });
  return page(rows, timeCursorOf);
}

const unroutableColumns = {
  opportunityId: opportunities.id,
  need: opportunities.need,
  productLine: opportunities.productLine,
  country: opportunities.country,
  valueMinor: opportunities.valueMinor,
  currency: opportunities.currency,
  rounds: opportunities.rounds,
  unroutableReason: opportunities.unroutableReason,
  since: opportunities.updatedAt,
};

/** Unroutable leads, newest first; the partner filter finds those once offered to that partner. */
async function unroutablePage(tx: Tx, query: QueueQuery, { walk, fewMatches }: PageSteps) {
  const cursor = query.cursor && !('at' in query.cursor) ? query.cursor : null;
  // The list itself: opportunities_status_id_idx (status, id) backwards from the cursor.
  const listConditions = (beforeId: number | null) =>
    and(
      sql`${opportunities.status} = 'unroutable'`,
      beforeId !== null ? sql`${opportunities.id} < ${beforeId}` : undefined,
    );
  const leadConditions = opportunityConditions(query);
  const leadTests = opportunityConditions(query, 'test');
  if (query.partner) {
    const offeredToPartner = exists(
      sql`(select 1 from ${offers} where ${offers.opportunityId} = ${opportunities.id} and ${offers.partnerId} = ${query.partner})`,
    );
    leadConditions.push(offeredToPartner);
    leadTests.push(offeredToPartner);
  }
  // One table, so phase 2 is the same statement after the window, where the planner picks the
  // partial (country | product_line | campaign_id, id) indexes on status = 'unroutable' or the
  // trigram ones.
  const select = (beforeId: number | null, filters: SQL[]) =>
    tx
      .select(unroutableColumns)
      .from(opportunities)
      .where(and(listConditions(beforeId), ...filters))
      .orderBy(desc(opportunities.id))
      .limit(QUEUE_PAGE_SIZE + 1);
  if (leadConditions.length === 0) {
    return page(await select(cursor?.id ?? null, []), (row) => String(row.opportunityId));
  }
  const rows = await twoPhase({
    cursor: cursor ?? null,
    fewMatches,
    window: () => {
      const window = tx
        .select({ id: opportunities.id })
        .from(opportunities)
        .where(listConditions(cursor?.id ?? null))
        .orderBy(desc(opportunities.id))
        .limit(walk)
        .as('queue_window');
      return tx
        .select(unroutableColumns)
        .from(window)
        .innerJoinLateral(matchingLead(tx, window.id, leadTests), sql`true`)
        .innerJoin(opportunities, eq(opportunities.id, window.id))
        .orderBy(desc(window.id))
        .limit(QUEUE_PAGE_SIZE + 1);
    },
    edge: async () => {
      const [edge] = await tx
        .select({ id: opportunities.id })
        .from(opportunities)
        .where(listConditions(cursor?.id ?? null))
        .orderBy(desc(opportunities.id))
        .offset(walk - 1)
        .limit(1);
      return edge;
    },
    beyond: (after) => select(after?.id ?? null, leadConditions),
  });
  return page(rows, (row) => String(row.opportunityId));
}

const endingColumns = {
  eventId: opportunityEvents.id,
  offerId: offers.id,
  opportunityId: offers.opportunityId,
  outcome: opportunityEvents.kind,
  at: opportunityEvents.at,
  round: offers.round,
  declineReason: offers.declineReason,
  partnerId: partners.id,
  partnerName: partners.name,
  need: opportunities.need,
  productLine: opportunities.productLine,
  cursorAt: cursorTime(opportunityEvents.at),
  cursorId: opportunityEvents.id,
};

/**
 * Offers declined or expired in the last RECENT_ENDINGS_DAYS, latest first. From the timeline
 * rather than the offers: an event's time is the moment of the decline or expiry, while an
 * offer's id follows the moment it was made. An answer event carries its offer's opportunity
 * and partner (db/check-invariants.ts), so the filters read them from the event: the partner's
 * endings are one walk of opportunity_events_partner_endings_idx (partner_id, at, id).
 */
async function endingsPage(tx: Tx, query: QueueQuery, now: Date, { walk, fewMatches }: PageSteps) {
  const cursor = query.cursor && 'at' in query.cursor ? query.cursor : null;
  const since = new Date(now.getTime() - RECENT_ENDINGS_DAYS * 24 * HOUR_MS);
  // The list itself: opportunity_events_endings_at_idx (at, id) backwards from the cursor.
  const listConditions = (before: { at: string; id: number } | null) =>
    and(
      isEnding,
      gte(opportunityEvents.at, since),
      before
        ? sql`(${opportunityEvents.at}, ${opportunityEvents.id}) < (${before.at}::timestamptz, ${before.id})`
        : undefined,
      query.partner ? eq(opportunityEvents.partnerId, query.partner) : undefined,
    );
  const leadConditions = opportunityConditions(query);
  const leadTests = opportunityConditions(query, 'test');
  if (leadConditions.length === 0) {
    // No filter, or the partner's alone: every row of the walk is a row of the page.
    const rows = await tx
      .select(endingColumns)
      .from(opportunityEvents)
      .innerJoin(offers, eq(offers.id, opportunityEvents.offerId))
      .innerJoin(partners, eq(partners.id, offers.partnerId))
      .innerJoin(opportunities, eq(opportunities.id, opportunityEvents.opportunityId))
      .where(listConditions(cursor))
      .orderBy(desc(opportunityEvents.at), desc(opportunityEvents.id))
      .limit(QUEUE_PAGE_SIZE + 1);
    return page(rows, timeCursorOf);
  }
  const rows = await twoPhase({
    cursor,
    fewMatches,
    window: () => {
      const window = tx
        .select({
          id: opportunityEvents.id,
          at: opportunityEvents.at,
          opportunityId: opportunityEvents.opportunityId,
        })
        .from(opportunityEvents)
        .where(listConditions(cursor))
        .orderBy(desc(opportunityEvents.at), desc(opportunityEvents.id))
        .limit(walk)
        .as('queue_window');
      return tx
        .select(endingColumns)
        .from(window)
        .innerJoinLateral(matchingLead(tx, window.opportunityId, leadTests), sql`true`)
        .innerJoin(opportunityEvents, eq(opportunityEvents.id, window.id))
        .innerJoin(opportunities, eq(opportunities.id, window.opportunityId))
        .innerJoin(offers, eq(offers.id, opportunityEvents.offerId))
        .innerJoin(partners, eq(partners.id, offers.partnerId))
        .orderBy(desc(window.at), desc(window.id))
        .limit(QUEUE_PAGE_SIZE + 1);
    },
    edge: async () => {
      const [edge] = await tx
        .select({ at: cursorTime(opportunityEvents.at), id: opportunityEvents.id })
        .from(opportunityEvents)
        .where(listConditions(cursor))
        .orderBy(desc(opportunityEvents.at), desc(opportunityEvents.id))
        .offset(walk - 1)
        .limit(1);
      return edge;
    },
    // The matching leads of any status (an ended offer's lead has moved on), then each one's
    // first endings after the window through opportunity_events_opportunity_id_idx: a LATERAL
    // subquery with a LIMIT (the page's, so that no row of the page can be missing), which the
    // planner cannot turn back into a walk of every ending after the window.
    beyond: (after) => {
      const leadEndings = tx
        .select({ id: opportunityEvents.id, at: opportunityEvents.at })
        .from(opportunityEvents)
        .where(and(sql`${opportunityEvents.opportunityId} = ${opportunities.id}`, listConditions(after)))
        .orderBy(desc(opportunityEvents.at), desc(opportunityEvents.id))
        .limit(QUEUE_PAGE_SIZE + 1)
        .as('queue_lead_endings');
      return tx
        .select(endingColumns)
        .from(opportunities)
        .innerJoinLateral(leadEndings, sql`true`)
        .innerJoin(opportunityEvents, eq(opportunityEvents.id, leadEndings.id))
        .innerJoin(offers, eq(offers.id, opportunityEvents.offerId))
        .innerJoin(partners, eq(partners.id, offers.partnerId))
        .where(and(...leadConditions))
        .orderBy(desc(leadEndings.at), desc(leadEndings.id))
        .limit(QUEUE_PAGE_SIZE + 1);
    },
  });
  return page(rows, timeCursorOf);
}

export interface RoutingQueueOptions extends QueueOptions {
  /** Passed to `getQueueCounts`; 0 counts afresh. */
  countsMaxAgeMs?: number;
}

/**
 * What a channel manager watches: the pending offers by deadline, the leads nobody could take,
 * and the offers that recently ended without an acceptance, narrowed by the query's filters.
 * Without a status, the first page of each list; with one, that list alone, from `cursor` on.
 * It selects from opportunities, offers and partners only, never customers or contacts, so no
 * customer identity can reach the page (the search compares customer names without reading them).
 * The counts are the whole queue's, unfiltered (`getQueueCounts`); a null query reads the counts
 * alone. A partner given by name must have been resolved to its id (`resolvePartner`) first.
 */
export async function getRoutingQueue(
  db: Database,
  now: Date,
  query: QueueQuery | null = { cursor: undefined },
  options: RoutingQueueOptions = {},
) {
  if (query?.partnerName !== undefined) {
    throw new Error('getRoutingQueue: resolve the partner name to an id (resolvePartner) first');
  }
  const walk = Math.max(1, Math.floor(options.walk ?? QUEUE_WALK));
  const expiringBy = expiringSoonBy(now);
  const shows = (status: QueueStatus) =>
    query !== null && (query.status === undefined || query.status === status);
  const counts = getQueueCounts(db, now, options.countsMaxAgeMs);
  // The lists share one read-only snapshot, so that a lead shows in one list at most.
  const lists = db.transaction(
    async (tx) => {
      const steps: PageSteps = {
        walk,
        fewMatches:
          query === null
            ? () => Promise.resolve(false)
            : fewMatchingLeads(tx, query, options.fewMatches ?? QUEUE_FEW_MATCHES),
      };
      const pendingOffers =
        query?.status === 'expiring'
          ? await pendingPage(tx, query, expiringBy, steps)
          : shows('pending')
            ? await pendingPage(tx, query!, null, steps)
            : null;
      const unroutable = shows('unroutable') ? await unroutablePage(tx, query!, steps) : null;
      const recentEndings = shows('ended') ? await endingsPage(tx, query!, now, steps) : null;
      return { pendingOffers, unroutable, recentEndings };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const [listed, counted] = await Promise.all([lists, counts]);
  return { ...listed, counts: counted };
}

export type RoutingQueue = Awaited<ReturnType<typeof getRoutingQueue>>;
