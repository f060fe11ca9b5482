import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as RerouteRoute from '../../app/routes/opportunities.$opportunityId_.reroute';
import type * as TakeBackRoute from '../../app/routes/opportunities.$opportunityId_.take-back';
import type * as WithdrawRoute from '../../app/routes/opportunities.$opportunityId_.withdraw';
import { notifications, offers, opportunities, opportunityEvents } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The confirmation pages run as in production: DATABASE_URL, REDIS_URL and the real clock.
let database: TestDatabase;
let deps: LoopDeps;
let routes: { withdraw: typeof WithdrawRoute; reroute: typeof RerouteRoute; takeBack: typeof TakeBackRoute };
let closeAll: () => Promise<void>;
let manager: { cookie: string; csrf: string; userId: number };
let coordinatorCookie: string;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock: systemClock, timers: new RecordingTimers() };
  const [withdraw, reroute, takeBack, dbServer, loopServer] = await Promise.all([
    import('../../app/routes/opportunities.$opportunityId_.withdraw'),
    import('../../app/routes/opportunities.$opportunityId_.reroute'),
    import('../../app/routes/opportunities.$opportunityId_.take-back'),
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = { withdraw, reroute, takeBack };
  closeAll = async () => {
    await loopServer.closeLoop();
    await dbServer.closeDatabase();
  };
  const user = await makeUser(database.db, { role: 'channel_manager' });
  const session = await sessionCookieFor(database.db, user.id);
  manager = { cookie: session.cookie, csrf: session.session.csrfToken, userId: user.id };
  const coordinator = await makeUser(database.db, { role: 'campaign_coordinator' });
  coordinatorCookie = (await sessionCookieFor(database.db, coordinator.id)).cookie;
});
afterAll(async () => {
  await closeAll?.();
  await database.drop();
});

type Page = 'withdraw' | 'reroute' | 'takeBack';
const PATHS: Record<Page, string> = { withdraw: 'withdraw', reroute: 'reroute', takeBack: 'take-back' };
const url = (page: Page, id: number | string) => `http://localhost/opportunities/${id}/${PATHS[page]}`;

async function open<T>(page: Page, id: number | string, cookie = manager.cookie) {
  const route = routes[page] as { loader: (args: never) => Promise<unknown> };
  return unwrap<T>(
    await settle(() =>
      route.loader({
        request: new Request(url(page, id), { headers: { Cookie: cookie } }),
        params: { opportunityId: String(id) },
        context: {},
      } as never),
    ),
  );
}

async function confirm(page: Page, id: number, fields: Record<string, string>, cookie = manager.cookie) {
  const route = routes[page] as { action: (args: never) => Promise<unknown> };
  return unwrap<{ formError: string | null; fieldErrors?: Record<string, string> }>(
    await settle(() =>
      route.action({
        request: formPost(url(page, id), { csrf: manager.csrf, ...fields }, { Cookie: cookie }),
        params: { opportunityId: String(id) },
        context: {},
      } as never),
    ),
  );
}

type WithdrawalPage = Awaited<ReturnType<typeof WithdrawRoute.loader>>['data'];
type TakeBackPage = Awaited<ReturnType<typeof TakeBackRoute.loader>>['data'];

const offersOf = (opportunityId: number) =>
  database.db.select().from(offers).where(eq(offers.opportunityId, opportunityId)).orderBy(asc(offers.round));

async function statusOf(opportunityId: number) {
  const [row] = await database.db
    .select({ status: opportunities.status, acceptedPartnerId: opportunities.acceptedPartnerId })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  return row!;
}

/** A lead in `country`, offered to the best of `count` partners there (tiers best first). */
async function offeredLead(country: string, count: number) {
  const tiers = ['platinum', 'gold', 'silver', 'registered'] as const;
  const partners = [];
  for (let i = 0; i < count; i++) {
    partners.push(await makePartner(database.db, { countries: [country], tier: tiers[Math.min(i, 3)] }));
  }
  const customer = await makeCustomer(database.db, { country });
  const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
  if (routing.kind !== 'offered') throw new Error('expected an offer');
  expect(routing.partnerId).toBe(partners[0]!.id);
  return { opportunityId, partners, offerId: routing.timer.offerId, customer };
}

describe('the withdraw confirmation page', () => {
  it('says which partner loses the offer and that the lead leaves routing; confirming withdraws it', async () => {
    const { opportunityId, partners, offerId } = await offeredLead('BE', 2);
    const before = await snapshot(database.db);
    const page = await open<WithdrawalPage>('withdraw', opportunityId);
    expect(page.status).toBe(200);
    expect(page.data.pendingOffer).toMatchObject({ id: offerId, partnerName: partners[0]!.name });
    expect(page.data.stale).toBeNull();
    // Opening the page changes nothing.
    expect(await snapshot(database.db)).toEqual(before);

    const done = await confirm('withdraw', opportunityId, { offerId: String(offerId) });
    expect(done.status).toBe(302);
    expect(done.headers.get('Location')).toBe(`/opportunities/${opportunityId}?done=withdraw`);
    const [withdrawn, ...others] = await offersOf(opportunityId);
    expect(withdrawn).toMatchObject({ status: 'withdrawn', respondedByUserId: manager.userId });
    expect(others).toEqual([]);
    expect((await statusOf(opportunityId)).status).toBe('withdrawn');
    const told = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.offerId, offerId), eq(notifications.kind, 'offer_withdrawn')));
    expect(told).toHaveLength(1);
    expect(told[0]!.partnerId).toBe(partners[0]!.id);
  });

  it('on a stale page (the partner answered meanwhile) says so with a 409 and changes nothing', async () => {
    const { opportunityId, offerId } = await offeredLead('LU', 1);
    await declineAndReroute(deps, { offerId, userId: null, reason: 'no_capacity' });
    const before = await snapshot(database.db);
    const page = await open<WithdrawalPage>('withdraw', opportunityId);
    expect(page.status).toBe(409);
    expect(page.data.pendingOffer).toBeNull();
    expect(page.data.stale).toBe(
      'The partner declined the offer meanwhile, so there is no offer to withdraw. Nothing was changed.',
    );
    // The page that still showed the offer posts it anyway.
    const late = await confirm('withdraw', opportunityId, { offerId: String(offerId) });
    expect(late.status).toBe(409);
    expect(late.data.formError).toBe(
      'The partner declined the offer meanwhile, so it was not withdrawn. Nothing was changed.',
    );
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('refuses a forged or missing offer with a 400 and changes nothing', async () => {
    const { opportunityId } = await offeredLead('IE', 1);
    const other = await offeredLead('IS', 1);
    const before = await snapshot(database.db);
    const forged: Record<string, string>[] = [
      {},
      { offerId: 'x' },
      { offerId: '-1' },
      { offerId: '1e3' },
      { offerId: '99999999999' },
      { offerId: String(other.offerId) },
    ];
    for (const fields of forged) {
      const answer = await confirm('withdraw', opportunityId, fields);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.data.formError, JSON.stringify(fields)).toMatch(/go back to the lead and start again/);
    }
    expect(await snapshot(database.db)).toEqual(before);
    // Someone who may not act on opportunities sees no page at all.
    expect((await open('withdraw', opportunityId, coordinatorCookie)).status).toBe(404);
    expect((await confirm('withdraw', opportunityId, {}, coordinatorCookie)).status).toBe(404);
    expect((await open('withdraw', 99_999_999)).status).toBe(404);
    expect((await open('withdraw', 'abc')).status).toBe(404);
    expect(await snapshot(database.db)).toEqual(before);
  });
});

describe('the re-route confirmation page', () => {
  it('names the partner routing would pick next, and confirming offers the lead to exactly that one', async () => {
    const { opportunityId, partners, offerId } = await offeredLead('NL', 3);
    const page = await open<WithdrawalPage>('reroute', opportunityId);
    expect(page.status).toBe(200);
    expect(page.data.pendingOffer?.partnerName).toBe(partners[0]!.name);
    expect(page.data.next).toMatchObject({
      kind: 'partner',
      partnerId: partners[1]!.id,
      partnerName: partners[1]!.name,
    });

    const done = await confirm('reroute', opportunityId, { offerId: String(offerId) });
    expect(done.status).toBe(302);
    expect(done.headers.get('Location')).toBe(`/opportunities/${opportunityId}?done=reroute`);
    const [first, second] = await offersOf(opportunityId);
    expect(first!.status).toBe('withdrawn');
    expect(second).toMatchObject({ partnerId: partners[1]!.id, status: 'pending', round: 2 });
  });

  it('says the lead becomes unroutable when no other partner is eligible', async () => {
    const { opportunityId, offerId } = await offeredLead('MT', 1);
    const page = await open<WithdrawalPage>('reroute', opportunityId);
    expect(page.data.next).toEqual({ kind: 'none_eligible' });
    expect((await confirm('reroute', opportunityId, { offerId: String(offerId) })).status).toBe(302);
    expect((await statusOf(opportunityId)).status).toBe('unroutable');
  });
});

describe('the take-back confirmation page', () => {
  it('names the partner losing the lead and the record, and where the lead goes; needs a reason', async () => {
    const { opportunityId, partners, offerId, customer } = await offeredLead('CZ', 2);
    await accept(deps, { offerId, userId: null });
    const page = await open<TakeBackPage>('takeBack', opportunityId);
    expect(page.status).toBe(200);
    expect(page.data.holder).toEqual({ partnerId: partners[0]!.id, partnerName: partners[0]!.name });
    expect(page.data.customerName).toBe(customer.name);
    expect(page.data.next).toMatchObject({ kind: 'partner', partnerId: partners[1]!.id });

    const before = await snapshot(database.db);
    for (const reason of ['', '  ', 'ab', 'x'.repeat(501)]) {
      const refused = await confirm('takeBack', opportunityId, {
        partnerId: String(partners[0]!.id),
        reason,
      });
      expect(refused.status).toBe(400);
      expect(refused.data.fieldErrors?.reason).toMatch(/Say why|At most 500/);
    }
    expect(await snapshot(database.db)).toEqual(before);

    const reason = 'The customer asked for its incumbent reseller';
    const done = await confirm('takeBack', opportunityId, { partnerId: String(partners[0]!.id), reason });
    expect(done.status).toBe(302);
    expect(done.headers.get('Location')).toBe(`/opportunities/${opportunityId}?done=takeBack`);
    const [event] = await database.db
      .select()
      .from(opportunityEvents)
      .where(
        and(
          eq(opportunityEvents.opportunityId, opportunityId),
          eq(opportunityEvents.kind, 'lead_taken_back'),
        ),
      );
    expect(event).toMatchObject({ partnerId: partners[0]!.id, actorUserId: manager.userId });
    const [notice] = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.opportunityId, opportunityId), eq(notifications.kind, 'lead_taken_back')));
    expect(notice).toMatchObject({ audience: 'partner', partnerId: partners[0]!.id, status: 'pending' });
    expect(notice!.payload).toMatchObject({ reason, stage: 'accepted' });
    const [, second] = await offersOf(opportunityId);
    expect(second).toMatchObject({ partnerId: partners[1]!.id, status: 'pending' });
  });

  it('leaves the lead with whoever holds it now when the page named someone else, and says why', async () => {
    const { opportunityId, partners, offerId } = await offeredLead('SK', 2);
    await accept(deps, { offerId, userId: null });
    const stalePartner = String(partners[1]!.id);
    const before = await snapshot(database.db);
    const answer = await confirm('takeBack', opportunityId, {
      partnerId: stalePartner,
      reason: 'Stale page',
    });
    expect(answer.status).toBe(409);
    expect(answer.data.formError).toBe(
      'Another partner holds this lead now; reload the page before taking it back. Nothing was changed.',
    );
    const forged: Record<string, string>[] = [
      { reason: 'No partner named' },
      { partnerId: 'x', reason: 'Bad partner' },
    ];
    for (const fields of forged) {
      expect((await confirm('takeBack', opportunityId, fields)).status).toBe(400);
    }
    expect(await snapshot(database.db)).toEqual(before);
    expect(await statusOf(opportunityId)).toEqual({ status: 'accepted', acceptedPartnerId: partners[0]!.id });
  });

  it('on a lead nobody works says there is nothing to take back (409)', async () => {
    const { opportunityId } = await offeredLead('SI', 1);
    const page = await open<TakeBackPage>('takeBack', opportunityId);
    expect(page.status).toBe(409);
    expect(page.data.holder).toBeNull();
    expect(page.data.stale).toMatch(/nothing to take back/);
  });
});
