import { and, asc, count, desc, eq, exists, gte, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { campaigns, customers, offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { HOUR_MS } from '../domain/clock';

/** Rows per page of every list; the "Next" link carries the last row's keyset cursor, never an offset. */
export const QUEUE_PAGE_SIZE = 50;
/** Matches the last default reminder: an offer this close to its deadline needs watching. */
export const EXPIRING_SOON_HOURS = 4;
/** How far back "recent declines and expiries" reach. */
export const RECENT_ENDINGS_DAYS = 7;

export const QUEUE_STATUSES = ['pending', 'expiring', 'unroutable', 'ended'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A timestamp to the microsecond, as Postgres prints it for the cursor, then the row id. */
const TIME_CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_(\d{1,10})$/;
const ID_CURSOR = /^\d{1,10}$/;
const MAX_ID = 2_147_483_647;

export type QueueCursor = { at: string; id: number } | { id: number };

function parseCursor(status: QueueStatus, raw: string): QueueCursor | null {
  if (status === 'unroutable') {
    const id = ID_CURSOR.test(raw) ? Number(raw) : NaN;
    return id >= 1 && id <= MAX_ID ? { id } : null;
  }
  const match = TIME_CURSOR.exec(raw);
  if (!match || Number.isNaN(Date.parse(match[1]!))) return null;
  const id = Number(match[2]);
  return id >= 1 && id <= MAX_ID ? { at: match[1]!, id } : null;
}

const optionalId = (message: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: message }).int(message).min(1, message).max(MAX_ID, message).optional(),
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
    partner: optionalId('Choose a partner from the list.'),
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
    return { ...query, cursor };
  });

export type QueueQuery = z.output<typeof queueQuerySchema>;

/** The partners and campaigns the filter form offers. */
export async function getQueueFilterOptions(db: Database) {
  const [partnerOptions, campaignOptions] = await Promise.all([
    db
      .select({ id: partners.id, name: partners.name })
      .from(partners)
      .orderBy(asc(partners.name), asc(partners.id)),
    db
      .select({ id: campaigns.id, name: campaigns.name })
      .from(campaigns)
      .orderBy(asc(campaigns.name), asc(campaigns.id)),
  ]);
  return { partners: partnerOptions, campaigns: campaignOptions };
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Conditions on the opportunity shared by every list. The search matches the lead's number, its
 * need, or its customer's name; the name is only compared, never selected.
 */
function opportunityConditions(query: QueueQuery): SQL[] {
  const conditions: SQL[] = [];
  if (query.country) conditions.push(eq(opportunities.country, query.country));
  if (query.productLine) conditions.push(eq(opportunities.productLine, query.productLine));
  if (query.campaign) conditions.push(eq(opportunities.campaignId, query.campaign));
  if (query.q) {
    const pattern = likePattern(query.q);
    const number = /^#?\d{1,10}$/.test(query.q) ? Number(query.q.replace('#', '')) : NaN;
    // The matching customers are found once, through customers_name_trgm_idx, and each lead is
    // compared by customer_id: with an EXISTS per lead inside the OR, the planner could only walk
    // every candidate lead and test it, seconds at a million leads for a rare name. As an array,
    // the three tests are plain conditions on the lead, which a BitmapOr of the primary key,
    // opportunities_need_trgm_idx and opportunities_customer_id_idx can answer when they are rare.
    const matchingCustomers = sql`array(select ${customers.id} from ${customers} where ${ilike(customers.name, pattern)})`;
    const matches = [
      ilike(opportunities.need, pattern),
      sql`${opportunities.customerId} = any(${matchingCustomers})`,
    ];
    if (number >= 1 && number <= MAX_ID) matches.unshift(eq(opportunities.id, number));
    conditions.push(or(...matches)!);
  }
  return conditions;
}

/** The cursor form of a timestamp: UTC to the microsecond, so that no row is skipped or repeated. */
const cursorTime = (column: typeof offers.expiresAt | typeof opportunityEvents.at) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const timeCursorOf = (row: { cursorAt: string; cursorId: number }) => `${row.cursorAt}_${row.cursorId}`;

function page<T extends object>(rows: T[], cursorOf: (row: T) => string) {
  const shown = rows.slice(0, QUEUE_PAGE_SIZE);
  const last = shown[shown.length - 1];
  return { rows: shown, next: rows.length > QUEUE_PAGE_SIZE && last ? cursorOf(last) : null };
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Pending offers by deadline; `expiringBy` narrows them to those due by then. */
async function pendingPage(tx: Tx, query: QueueQuery, expiringBy: Date | null) {
  const cursor = query.cursor && 'at' in query.cursor ? query.cursor : null;
  const rows = await tx
    .select({
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
    })
    .from(offers)
    .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
    .innerJoin(partners, eq(partners.id, offers.partnerId))
    .where(
      and(
        eq(offers.status, 'pending'),
        expiringBy ? lte(offers.expiresAt, expiringBy) : undefined,
        query.partner ? eq(offers.partnerId, query.partner) : undefined,
        // Row comparison: walks offers_pending_expires_at_idx (expires_at, id) from the cursor on.
        cursor
          ? sql`(${offers.expiresAt}, ${offers.id}) > (${cursor.at}::timestamptz, ${cursor.id})`
          : undefined,
        ...opportunityConditions(query),
      ),
    )
    .orderBy(asc(offers.expiresAt), asc(offers.id))
    .limit(QUEUE_PAGE_SIZE + 1);
  return page(rows, timeCursorOf);
}

/** Unroutable leads, newest first; the partner filter finds those once offered to that partner. */
async function unroutablePage(tx: Tx, query: QueueQuery) {
  const cursor = query.cursor && !('at' in query.cursor) ? query.cursor : null;
  const rows = await tx
    .select({
      opportunityId: opportunities.id,
      need: opportunities.need,
      productLine: opportunities.productLine,
      country: opportunities.country,
      valueMinor: opportunities.valueMinor,
      currency: opportunities.currency,
      rounds: opportunities.rounds,
      unroutableReason: opportunities.unroutableReason,
      since: opportunities.updatedAt,
    })
    .from(opportunities)
    .where(
      and(
        eq(opportunities.status, 'unroutable'),
        cursor ? sql`${opportunities.id} < ${cursor.id}` : undefined,
        query.partner
          ? exists(
              sql`(select 1 from ${offers} where ${offers.opportunityId} = ${opportunities.id} and ${offers.partnerId} = ${query.partner})`,
            )
          : undefined,
        ...opportunityConditions(query),
      ),
    )
    .orderBy(desc(opportunities.id))
    .limit(QUEUE_PAGE_SIZE + 1);
  return page(rows, (row) => String(row.opportunityId));
}

/**
 * Offers declined or expired in the last RECENT_ENDINGS_DAYS, latest first. From the timeline
 * rather than the offers: an event's time is the moment of the decline or expiry, while an
 * offer's id follows the moment it was made.
 */
async function endingsPage(tx: Tx, query: QueueQuery, now: Date) {
  const cursor = query.cursor && 'at' in query.cursor ? query.cursor : null;
  const rows = await tx
    .select({
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
    })
    .from(opportunityEvents)
    .innerJoin(offers, eq(offers.id, opportunityEvents.offerId))
    .innerJoin(partners, eq(partners.id, offers.partnerId))
    .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
    .where(
      and(
        inArray(opportunityEvents.kind, ['declined', 'expired']),
        gte(opportunityEvents.at, new Date(now.getTime() - RECENT_ENDINGS_DAYS * 24 * HOUR_MS)),
        // Walks opportunity_events_endings_at_idx (at, id) backwards from the cursor.
        cursor
          ? sql`(${opportunityEvents.at}, ${opportunityEvents.id}) < (${cursor.at}::timestamptz, ${cursor.id})`
          : undefined,
        query.partner ? eq(offers.partnerId, query.partner) : undefined,
        ...opportunityConditions(query),
      ),
    )
    .orderBy(desc(opportunityEvents.at), desc(opportunityEvents.id))
    .limit(QUEUE_PAGE_SIZE + 1);
  return page(rows, (row) => timeCursorOf(row));
}

/**
 * What a channel manager watches: the pending offers by deadline, the leads nobody could take,
 * and the offers that recently ended without an acceptance, narrowed by the query's filters.
 * Without a status, the first page of each list; with one, that list alone, from `cursor` on.
 * It selects from opportunities, offers and partners only, never customers or contacts, so no
 * customer identity can reach the page (the search compares customer names without reading them).
 * The counts are the whole queue's, unfiltered; a null query reads the counts alone.
 */
export async function getRoutingQueue(
  db: Database,
  now: Date,
  query: QueueQuery | null = { cursor: undefined },
) {
  const expiringBy = new Date(now.getTime() + EXPIRING_SOON_HOURS * HOUR_MS);
  const shows = (status: QueueStatus) =>
    query !== null && (query.status === undefined || query.status === status);
  // One read-only snapshot, so that the counts agree with the lists printed beside them.
  return db.transaction(
    async (tx) => {
      const [pendingOffers, counts, unroutable, recentEndings] = await Promise.all([
        query?.status === 'expiring'
          ? pendingPage(tx, query, expiringBy)
          : shows('pending')
            ? pendingPage(tx, query!, null)
            : null,
        Promise.all([
          tx.select({ n: count() }).from(offers).where(eq(offers.status, 'pending')),
          // Includes offers already past their deadline that the timer has not yet expired.
          tx
            .select({ n: count() })
            .from(offers)
            .where(and(eq(offers.status, 'pending'), lte(offers.expiresAt, expiringBy))),
          tx.select({ n: count() }).from(opportunities).where(eq(opportunities.status, 'unroutable')),
          tx.select({ n: count() }).from(opportunities).where(eq(opportunities.status, 'accepted')),
        ]).then(([pending, expiringSoon, unroutableCount, accepted]) => ({
          pending: pending[0]?.n ?? 0,
          expiringSoon: expiringSoon[0]?.n ?? 0,
          unroutable: unroutableCount[0]?.n ?? 0,
          accepted: accepted[0]?.n ?? 0,
        })),
        shows('unroutable') ? unroutablePage(tx, query!) : null,
        shows('ended') ? endingsPage(tx, query!, now) : null,
      ]);
      return { pendingOffers, counts, unroutable, recentEndings };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export type RoutingQueue = Awaited<ReturnType<typeof getRoutingQueue>>;
