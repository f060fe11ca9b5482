import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS } from '../../app/domain/clock';
import {
  getRoutingQueue,
  QUEUE_FEW_MATCHES,
  QUEUE_PAGE_SIZE,
  queueQuerySchema,
  type QueueStatus,
  type RoutingQueue,
} from '../../app/models/routing-queue.server';
import { getQueueCounts } from '../../app/models/queue-counts.server';
import type * as QueueRoute from '../../app/routes/queue';
import { campaigns, offers, opportunities, opportunityEvents } from '../../db/schema';
import { makeUser, sessionCookieFor, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The routing queue's filters, search and keyset pages, over a queue written straight into the
 * database: 120 pending offers, 70 unroutable leads and 61 recent declines and expiries.
 */
let database: TestDatabase;
let routes: { queue: typeof QueueRoute; closeDatabase: () => Promise<void> };
let managerCookie: string;

type QueueData = Awaited<ReturnType<typeof QueueRoute.loader>>['data'];

async function load(params: Record<string, string> = {}) {
  const url = `http://localhost/queue?${new URLSearchParams(params).toString()}`;
  const result = await routes.queue.loader({
    request: new Request(url, { headers: { Cookie: managerCookie } }),
    params: {},
    context: {},
  });
  return unwrap<QueueData>(result);
}

async function loadOk(params: Record<string, string> = {}) {
  const { data, status } = await load(params);
  expect(status, JSON.stringify(data.fieldErrors)).toBe(200);
  return data;
}

/** Follows the "Next" cursors of one list to its end; each page's rows, in order. */
async function allPages<T>(
  params: Record<string, string>,
  pick: (data: QueueData) => { rows: T[]; next: string | null } | null,
) {
  const pages: T[][] = [];
  let after: string | null = null;
  do {
    const data = await loadOk(after ? { ...params, after } : params);
    const list = pick(data)!;
    pages.push(list.rows);
    after = list.next;
    expect(pages.length).toBeLessThan(20);
  } while (after);
  return pages;
}

const PT_CUSTOMER = 'Kestrel Fine Foods GmbH';
const DE_CUSTOMER = 'Osprey Logistik AG';
const now = Date.now();
const ids = {
  partnerA: 0,
  partnerB: 0,
  campaign1: 0,
  campaign2: 0,
  pending: [] as { offerId: number; opportunityId: number }[],
  unroutable: [] as number[],
  unusualNeedId: 0,
};

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  const [queue, dbServer] = await Promise.all([
    import('../../app/routes/queue'),
    import('../../app/utils/db.server'),
  ]);
  routes = { queue, closeDatabase: dbServer.closeDatabase };
  const manager = await makeUser(database.db, { role: 'channel_manager' });
  managerCookie = (await sessionCookieFor(database.db, manager.id)).cookie;

  const db = database.db;
  const partnerA = await makePartner(db, { name: 'Lisboa Data', countries: ['PT'] });
  const partnerB = await makePartner(db, { name: 'Porto Systems', countries: ['PT', 'DE'] });
  const [c1, c2] = await db
    .insert(campaigns)
    .values([{ name: 'Spring storage push' }, { name: 'Network refresh' }])
    .returning();
  const pt = await makeCustomer(db, { name: PT_CUSTOMER, country: 'PT' });
  const de = await makeCustomer(db, { name: DE_CUSTOMER, country: 'DE' });
  Object.assign(ids, { partnerA: partnerA.id, partnerB: partnerB.id, campaign1: c1!.id, campaign2: c2!.id });

  const lead = (i: number, status: 'offered' | 'unroutable') => ({
    customerId: i % 2 === 0 ? pt.id : de.id,
    need: i === 7 ? 'Quantum-safe tape vault' : `Need ${status} ${i}`,
    productLine: i % 3 === 0 ? 'network' : 'storage',
    valueMinor: 1_000_000 + i,
    currency: 'EUR',
    country: i % 2 === 0 ? 'PT' : 'DE',
    industry: 'retail',
    sizeSegment: 'mid_market' as const,
    campaignId: i % 4 === 0 ? c1!.id : i % 4 === 1 ? c2!.id : null,
    status,
    rounds: 2,
    unroutableReason: status === 'unroutable' ? 'no_eligible_partner' : null,
  });
  const offerOf = (opportunityId: number, partnerId: number, expiresAt: number) => ({
    opportunityId,
    partnerId,
    round: 2,
    offeredAt: new Date(now - 2 * HOUR_MS),
    expiresAt: new Date(expiresAt),
    reminderOffsetsHours: [24, 4],
    score: 1,
    scoreBreakdown: {},
  });

  // 120 pending offers, four to each deadline, 20 minutes apart from 32 minutes on: the first 44
  // are due within 4 hours.
  const pendingLeads = await db
    .insert(opportunities)
    .values(Array.from({ length: 120 }, (_, i) => lead(i, 'offered')))
    .returning({ id: opportunities.id });
  const pendingOffers = await db
    .insert(offers)
    .values(
      pendingLeads.map(({ id }, i) =>
        offerOf(id, i % 5 === 0 ? partnerA.id : partnerB.id, now + (32 + 20 * Math.floor(i / 4)) * 60_000),
      ),
    )
    .returning({ offerId: offers.id, opportunityId: offers.opportunityId });
  ids.pending = pendingOffers;
  ids.unusualNeedId = pendingLeads[7]!.id;
  // Sub-millisecond deadlines, and pairs of exact ties, so that the cursor must keep microseconds
  // and break ties by id.
  await db.execute(
    sql`update ${offers} set expires_at = expires_at + ((id / 2) % 3) * interval '1 microsecond' where status = 'pending'`,
  );

  // Each of the first 61 pending leads was first declined or left to expire by the other partner.
  const ended = await db
    .insert(offers)
    .values(
      pendingLeads.slice(0, 61).map(({ id }, i) => ({
        ...offerOf(id, i % 5 === 0 ? partnerB.id : partnerA.id, now - HOUR_MS),
        round: 1,
        offeredAt: new Date(now - 50 * HOUR_MS),
        status: i % 2 === 0 ? ('declined' as const) : ('expired' as const),
        declineReason: i % 2 === 0 ? ('no_capacity' as const) : null,
      })),
    )
    .returning({
      id: offers.id,
      opportunityId: offers.opportunityId,
      partnerId: offers.partnerId,
      status: offers.status,
    });
  await db.insert(opportunityEvents).values(
    ended.map((offer, i) => ({
      opportunityId: offer.opportunityId,
      offerId: offer.id,
      partnerId: offer.partnerId,
      kind: offer.status as 'declined' | 'expired',
      // Pairs at the same moment; the last one eight days ago, too old to be "recent".
      at: new Date(i === 60 ? now - 8 * 24 * HOUR_MS : now - Math.floor(i / 2) * HOUR_MS - 1000),
    })),
  );

  // 70 unroutable leads; every third was once offered to partner A, who declined.
  const unroutable = await db
    .insert(opportunities)
    .values(Array.from({ length: 70 }, (_, i) => lead(i, 'unroutable')))
    .returning({ id: opportunities.id });
  ids.unroutable = unroutable.map((row) => row.id);
  await db.insert(offers).values(
    unroutable
      .filter((_, i) => i % 3 === 0)
      .map(({ id }) => ({
        ...offerOf(id, partnerA.id, now - HOUR_MS),
        offeredAt: new Date(now - 50 * HOUR_MS),
        status: 'declined' as const,
        declineReason: 'outside_expertise' as const,
      })),
  );
});

afterAll(async () => {
  await routes?.closeDatabase();
  await database.drop();
});

/** The pending offers in the order the page must give them: deadline, then id. */
async function pendingInOrder(where = sql`true`) {
  const rows = await database.db.execute<{ id: number }>(
    sql`select o.id from offers o join opportunities p on p.id = o.opportunity_id
        where o.status = 'pending' and ${where} order by o.expires_at, o.id`,
  );
  return rows.map((row) => Number(row.id));
}

describe('keyset pages', () => {
  it('walks every pending offer exactly once, in deadline order, 50 to a page', async () => {
    const pages = await allPages({ status: 'pending' }, (data) => data.pendingOffers);
    expect(pages.map((page) => page.length)).toEqual([QUEUE_PAGE_SIZE, QUEUE_PAGE_SIZE, 20]);
    const seen = pages.flat().map((offer) => offer.offerId);
    expect(new Set(seen).size).toBe(120);
    expect(seen).toEqual(await pendingInOrder());
  });

  it('walks the unroutable leads newest first, and the recent endings latest first', async () => {
    const unroutable = await allPages({ status: 'unroutable' }, (data) => data.unroutable);
    expect(unroutable.map((page) => page.length)).toEqual([50, 20]);
    expect(unroutable.flat().map((lead) => lead.opportunityId)).toEqual([...ids.unroutable].reverse());

    const endings = await allPages({ status: 'ended' }, (data) => data.recentEndings);
    expect(endings.map((page) => page.length)).toEqual([50, 10]);
    const all = endings.flat();
    expect(new Set(all.map((e) => e.eventId)).size).toBe(60);
    const times = all.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('keeps the filters while paging', async () => {
    const pages = await allPages({ status: 'pending', country: 'PT' }, (data) => data.pendingOffers);
    expect(pages.map((page) => page.length)).toEqual([50, 10]);
    expect(pages.flat().map((o) => o.offerId)).toEqual(await pendingInOrder(sql`p.country = 'PT'`));
  });

  it('shows the first page of each list without a status, with links onwards', async () => {
    const data = await loadOk();
    expect(data.pendingOffers!.rows).toHaveLength(50);
    expect(data.pendingOffers!.next).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_\d+$/);
    expect(data.unroutable!.next).toMatch(/^\d+$/);
    expect(data.recentEndings!.rows).toHaveLength(50);
    expect(data.counts).toEqual({ pending: 120, expiringSoon: 44, unroutable: 70, accepted: 0 });
  });
});

describe('filters', () => {
  it('narrows the pending offers by country, partner, product line and campaign', async () => {
    const byCountry = await loadOk({ status: 'pending', country: 'de' });
    expect(byCountry.values.country).toBe('de');
    expect(byCountry.pendingOffers!.rows.every((o) => o.country === 'DE')).toBe(true);

    const byPartner = await loadOk({ status: 'pending', partner: String(ids.partnerA) });
    expect(byPartner.pendingOffers!.rows).toHaveLength(24);
    expect(byPartner.pendingOffers!.rows.every((o) => o.partnerName === 'Lisboa Data')).toBe(true);

    // A partner is typed: its number (as links give it) or its name, whole or in part, any case.
    for (const typed of [`#${ids.partnerA}`, 'Lisboa Data', 'lisboa']) {
      const named = await loadOk({ status: 'pending', partner: typed });
      expect(named.partner).toEqual({ id: ids.partnerA, name: 'Lisboa Data' });
      expect(named.values.partner).toBe(typed);
      expect(named.pendingOffers!.rows.map((o) => o.offerId)).toEqual(
        byPartner.pendingOffers!.rows.map((o) => o.offerId),
      );
    }

    const byLine = await loadOk({ status: 'pending', productLine: 'network' });
    expect(byLine.pendingOffers!.rows).toHaveLength(40);
    expect(byLine.pendingOffers!.rows.every((o) => o.productLine === 'network')).toBe(true);

    const byCampaign = await loadOk({ status: 'pending', campaign: String(ids.campaign1) });
    expect(byCampaign.pendingOffers!.rows.map((o) => o.offerId)).toEqual(
      await pendingInOrder(sql`p.campaign_id = ${ids.campaign1}`),
    );
    expect(byCampaign.pendingOffers!.rows).toHaveLength(30);

    const combined = await loadOk({
      status: 'pending',
      country: 'PT',
      productLine: 'network',
      campaign: String(ids.campaign1),
    });
    expect(combined.pendingOffers!.rows.map((o) => o.offerId)).toEqual(
      await pendingInOrder(
        sql`p.country = 'PT' and p.product_line = 'network' and p.campaign_id = ${ids.campaign1}`,
      ),
    );
    // A status shows that list alone.
    expect(combined.unroutable).toBeNull();
    expect(combined.recentEndings).toBeNull();
  });

  it('shows only the offers due within 4 hours under "expiring"', async () => {
    const data = await loadOk({ status: 'expiring' });
    const rows = data.pendingOffers!.rows;
    expect(rows).toHaveLength(44);
    expect(rows.every((o) => Date.parse(o.expiresAt) <= Date.now() + 4 * HOUR_MS)).toBe(true);
    expect(data.unroutable).toBeNull();
  });

  it('narrows the unroutable leads, the partner filter meaning "once offered to them"', async () => {
    const byCountry = await loadOk({ status: 'unroutable', country: 'PT' });
    expect(byCountry.unroutable!.rows).toHaveLength(35);
    expect(byCountry.unroutable!.rows.every((l) => l.country === 'PT')).toBe(true);

    const byPartner = await loadOk({ status: 'unroutable', partner: String(ids.partnerA) });
    expect(byPartner.unroutable!.rows.map((l) => l.opportunityId)).toEqual(
      ids.unroutable.filter((_, i) => i % 3 === 0).reverse(),
    );
    const byOther = await loadOk({ status: 'unroutable', partner: String(ids.partnerB) });
    expect(byOther.unroutable!.rows).toEqual([]);

    const byCampaign = await loadOk({ status: 'unroutable', campaign: String(ids.campaign2) });
    expect(byCampaign.unroutable!.rows.map((l) => l.opportunityId)).toEqual(
      ids.unroutable.filter((_, i) => i % 4 === 1).reverse(),
    );
    const byLine = await loadOk({ status: 'unroutable', productLine: 'network' });
    expect(byLine.unroutable!.rows.every((l) => l.productLine === 'network')).toBe(true);
    expect(byLine.unroutable!.rows).toHaveLength(24);
  });

  it('narrows the recent declines and expiries by partner and country', async () => {
    const byPartner = await loadOk({ status: 'ended', partner: String(ids.partnerB) });
    // Partner B made the first offer on every fifth of the first 60 recent ones.
    expect(byPartner.recentEndings!.rows).toHaveLength(12);
    expect(byPartner.recentEndings!.rows.every((e) => e.partnerName === 'Porto Systems')).toBe(true);
    // Leads in Portugal were declined, those in Germany left to expire.
    const portugal = await loadOk({ status: 'ended', country: 'PT' });
    expect(portugal.recentEndings!.rows).toHaveLength(30);
    expect(
      portugal.recentEndings!.rows.every(
        (e) => e.outcome === 'declined' && e.declineReason === 'no_capacity',
      ),
    ).toBe(true);
    const germany = await loadOk({ status: 'ended', country: 'DE' });
    expect(germany.recentEndings!.rows).toHaveLength(30);
    expect(germany.recentEndings!.rows.every((e) => e.outcome === 'expired')).toBe(true);
  });
});

describe('search', () => {
  it('finds a lead by its number, with or without #', async () => {
    const target = ids.pending[33]!;
    const plain = await loadOk({ q: String(target.opportunityId) });
    expect(plain.pendingOffers!.rows.map((o) => o.opportunityId)).toContain(target.opportunityId);
    // With #, only the number can match: no need or name contains "#".
    const hashed = await loadOk({ q: `#${target.opportunityId}` });
    expect(hashed.pendingOffers!.rows.map((o) => o.opportunityId)).toEqual([target.opportunityId]);
    expect(hashed.unroutable!.rows).toEqual([]);
  });

  it('finds a lead by words of its need, in any case', async () => {
    const data = await loadOk({ q: 'quantum-SAFE' });
    expect(data.pendingOffers!.rows.map((o) => o.opportunityId)).toEqual([ids.unusualNeedId]);
    expect(data.unroutable!.rows.map((l) => l.need)).toEqual(['Quantum-safe tape vault']);
  });

  it('finds leads by their customer’s name without showing the name', async () => {
    const data = await loadOk({ status: 'pending', q: 'osprey' });
    const rows = data.pendingOffers!.rows;
    expect(rows).toHaveLength(50);
    expect(rows.every((o) => o.country === 'DE')).toBe(true);
    expect(JSON.stringify(data)).not.toContain(DE_CUSTOMER);
    const none = await loadOk({ q: 'no such customer' });
    expect(none.pendingOffers!.rows).toEqual([]);
    expect(none.unroutable!.rows).toEqual([]);
    expect(none.recentEndings!.rows).toEqual([]);
  });

  it('treats % and _ in a search as plain characters', async () => {
    const data = await loadOk({ q: '%' });
    expect(data.pendingOffers!.rows).toEqual([]);
  });
});

describe('bad filter values', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ country: 'Germany' }, 'country', /two-letter country code/],
    [{ partner: 'nobody here' }, 'partner', /No partner’s name contains “nobody here”/],
    [{ partner: 'o' }, 'partner', /Several partners match “o”: Lisboa Data \(#\d+\), Porto Systems/],
    [{ partner: '99999999' }, 'partner', /There is no partner number 99999999/],
    [{ partner: '#0' }, 'partner', /There is no partner number 0/],
    [{ partner: '9999999999' }, 'partner', /There is no partner number 9999999999/],
    [{ campaign: '-3' }, 'campaign', /Choose a campaign/],
    [{ campaign: '424242' }, 'campaign', /Choose a campaign/],
    [{ status: 'won' }, 'status', /Choose a status/],
    [{ q: 'x'.repeat(101) }, 'q', /At most 100/],
    [{ productLine: 'y'.repeat(101) }, 'productLine', /At most 100/],
    [{ status: 'pending', after: 'garbage' }, 'after', /start again from the first page/],
    [{ status: 'unroutable', after: '2026-01-01T00:00:00.000000Z_4' }, 'after', /first page/],
    [{ after: '12' }, 'after', /first page/],
  ];

  it.each(cases)('%j is reported on its field with status 400', async (params, field, message) => {
    const { data, status } = await load(params);
    expect(status).toBe(400);
    expect(data.fieldErrors[field as keyof typeof data.fieldErrors]).toMatch(message);
    expect(data.pendingOffers).toBeNull();
    expect(data.unroutable).toBeNull();
    expect(data.recentEndings).toBeNull();
    // The counts still show, and what was typed comes back to be corrected.
    expect(data.counts.pending).toBe(120);
    if (field !== 'after') expect(data.values[field as keyof typeof data.values]).toBe(params[field]);
  });
});

describe('filtered pages in two phases', () => {
  /** Every page of one list, rows and "Next" cursor, with phase 1 reading at most `walk` rows. */
  async function pagesWithWalk(
    params: Record<string, string> & { status: QueueStatus },
    walk: number,
    fewMatches = 0,
  ) {
    const listOf = (queue: RoutingQueue) =>
      params.status === 'unroutable'
        ? queue.unroutable
        : params.status === 'ended'
          ? queue.recentEndings
          : queue.pendingOffers;
    const pages: { rows: unknown[]; next: string | null }[] = [];
    let after: string | null = null;
    do {
      const query = queueQuerySchema.parse(after ? { ...params, after } : params);
      const list: { rows: unknown[]; next: string | null } = listOf(
        await getRoutingQueue(database.db, new Date(now), query, { walk, fewMatches }),
      )!;
      pages.push(list);
      after = list.next;
      expect(pages.length).toBeLessThan(20);
    } while (after);
    return pages;
  }

  // A window of 1, 3 or 7 rows cannot hold a page of 51 matches, so these pages are completed by
  // phase 2 (the matching leads first, then their offers or events after the window's last row);
  // a window of a million rows holds every list whole, so phase 1 alone answers: the same pages,
  // the same cursors, in the list's own order.
  const cases: [string, Record<string, string> & { status: QueueStatus }][] = [
    ['pending by country', { status: 'pending', country: 'PT' }],
    ['pending by campaign', { status: 'pending', campaign: 'campaign1' }],
    [
      'pending by partner and product line',
      { status: 'pending', partner: 'partnerB', productLine: 'storage' },
    ],
    ['pending by a customer’s name', { status: 'pending', q: 'osprey' }],
    ['pending by a rare word of the need', { status: 'pending', q: 'quantum' }],
    ['expiring by country', { status: 'expiring', country: 'DE' }],
    ['unroutable by country', { status: 'unroutable', country: 'PT' }],
    ['unroutable by partner and country', { status: 'unroutable', partner: 'partnerA', country: 'DE' }],
    ['unroutable by a customer’s name', { status: 'unroutable', q: 'kestrel' }],
    ['recent endings by country', { status: 'ended', country: 'DE' }],
    [
      'recent endings by partner and campaign',
      { status: 'ended', partner: 'partnerA', campaign: 'campaign2' },
    ],
    ['recent endings by a customer’s name', { status: 'ended', q: 'kestrel' }],
  ];
  /** The fixtures' ids in place of their names ('partnerA', 'campaign1' …). */
  const resolve = (params: Record<string, string> & { status: QueueStatus }) => {
    const named = (value: string) =>
      /^(partner|campaign)/.test(value) ? String(ids[value as 'partnerA' | 'campaign1']) : value;
    return {
      ...params,
      ...(params.partner ? { partner: named(params.partner) } : {}),
      ...(params.campaign ? { campaign: named(params.campaign) } : {}),
    };
  };

  it.each(cases)('%s: the same pages whatever the window', async (_, raw) => {
    const params = resolve(raw);
    const whole = await pagesWithWalk(params, 1_000_000);
    expect(whole.flat().length).toBeGreaterThan(0);
    for (const walk of [1, 3, 7]) expect(await pagesWithWalk(params, walk)).toEqual(whole);
    // Fewer than QUEUE_FEW_MATCHES leads match here, so phase 2 alone answers from each cursor.
    expect(await pagesWithWalk(params, 1, QUEUE_FEW_MATCHES)).toEqual(whole);
    // With a bound of 5, the rare word skips phase 1 and the common filters walk their window.
    expect(await pagesWithWalk(params, 3, 5)).toEqual(whole);
  });

  it('crosses the window and the page boundary with the right cursors', async () => {
    // 60 pending offers in Portugal: a window of 3 finds 2, phase 2 the next 49 after the
    // window's third row; page 2 starts after the 50th match, not after the window.
    const pages = await pagesWithWalk({ status: 'pending', country: 'PT' }, 3);
    expect(pages.map((p) => p.rows.length)).toEqual([50, 10]);
    const offerIds = pages.flatMap((p) => p.rows as { offerId: number }[]).map((o) => o.offerId);
    expect(offerIds).toEqual(await pendingInOrder(sql`p.country = 'PT'`));
    const page1 = pages[0]!.rows as { cursorAt: string; cursorId: number }[];
    expect(pages[0]!.next).toBe(`${page1[49]!.cursorAt}_${page1[49]!.cursorId}`);

    const unroutable = await pagesWithWalk({ status: 'unroutable', country: 'PT' }, 3);
    expect(unroutable.map((p) => p.rows.length)).toEqual([35]);
    expect(unroutable[0]!.rows.map((l) => (l as { opportunityId: number }).opportunityId)).toEqual(
      ids.unroutable.filter((_, i) => i % 2 === 0).reverse(),
    );
  });
});

describe('headline counts', () => {
  it('are shared for a few seconds, then counted again; a lead moving shows once they are', async () => {
    const at = now + 10 * 60_000;
    const counted = await getQueueCounts(database.db, new Date(at), 5_000);
    expect(counted.unroutable).toBe(70);
    const [moved] = await database.db
      .update(opportunities)
      .set({ status: 'withdrawn', unroutableReason: null })
      .where(eq(opportunities.id, ids.unroutable[0]!))
      .returning({ id: opportunities.id });
    try {
      expect(moved).toBeDefined();
      // Within the age limit the same counts are answered, without counting again.
      expect((await getQueueCounts(database.db, new Date(at + 4_000), 5_000)).unroutable).toBe(70);
      // Past it, or when asked for fresh counts, the move shows.
      expect((await getQueueCounts(database.db, new Date(at + 5_000), 5_000)).unroutable).toBe(69);
      expect((await getQueueCounts(database.db, new Date(at + 5_001), 0)).unroutable).toBe(69);
    } finally {
      await database.db
        .update(opportunities)
        .set({ status: 'unroutable', unroutableReason: 'no_eligible_partner' })
        .where(eq(opportunities.id, ids.unroutable[0]!));
    }
    expect((await getQueueCounts(database.db, new Date(at), 0)).unroutable).toBe(70);
  });
});
