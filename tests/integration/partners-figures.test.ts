import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { updateLeadStage } from '../../app/domain/leads/lead-progress.server';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as PartnersModel from '../../app/models/partners.server';
import type * as PartnerRoute from '../../app/routes/partners.$partnerId';
import type * as PartnersRoute from '../../app/routes/partners';
import { makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
let partnersRoute: typeof PartnersRoute;
let partnerRoute: typeof PartnerRoute;
let model: typeof PartnersModel;
let closeDatabase: () => Promise<void>;
const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
let partnerId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  [partnersRoute, partnerRoute, model] = await Promise.all([
    import('../../app/routes/partners'),
    import('../../app/routes/partners.$partnerId'),
    import('../../app/models/partners.server'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;

  // The only partner covering Iceland gets every Icelandic lead: a known history to count.
  const partner = await makePartner(database.db, { name: 'Aurora Systems', countries: ['IS'] });
  partnerId = partner.id;
  const customer = await makeCustomer(database.db, { country: 'IS' });
  const offered = async () => {
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    if (routing.kind !== 'offered') throw new Error(`expected an offer, got ${routing.kind}`);
    return { opportunityId, offerId: routing.timer.offerId };
  };
  // Four answers after 1, 2, 3 and 4 hours: three accepts and one decline.
  const answered: { opportunityId: number }[] = [];
  for (const [hours, answer] of [
    [1, 'accept'],
    [2, 'accept'],
    [3, 'decline'],
    [4, 'accept'],
  ] as const) {
    const offer = await offered();
    clock.advance(hours * HOUR_MS);
    if (answer === 'accept') {
      await accept(deps, { offerId: offer.offerId, userId: null });
      answered.push(offer);
    } else {
      await declineAndReroute(deps, { offerId: offer.offerId, userId: null, reason: 'no_capacity' });
    }
  }
  // One more offer still waiting; of the accepted leads, one won and one lost.
  await offered();
  await updateLeadStage(
    database.db,
    { opportunityId: answered[0]!.opportunityId, stage: 'won', wonValueMinor: 1_000_000, userId: null },
    clock,
  );
  await updateLeadStage(
    database.db,
    { opportunityId: answered[1]!.opportunityId, stage: 'lost', lostReason: 'price', userId: null },
    clock,
  );
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

describe('the partners list', () => {
  it('counts a partner’s figures from its offers and leads: 3 of 4 answers accepted is 75 %', async () => {
    const figures = await model.getPartnerWithFigures(database.db, partnerId);
    expect(figures).toMatchObject({
      openOffers: 1,
      answered: 4,
      accepted: 3,
      acceptanceRate: 0.75,
      // The median of 1, 2, 3 and 4 hours, by percentile_cont.
      medianResponseMs: 2.5 * HOUR_MS,
      won: 1,
      closed: 2,
      winRate: 0.5,
    });
  });

  it('shows those figures to a channel manager, worded for people', async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager' });
    const { cookie } = await sessionCookieFor(database.db, manager.id);
    const page = unwrap<Awaited<ReturnType<typeof partnersRoute.loader>>>(
      await partnersRoute.loader({
        request: new Request('http://localhost/partners', { headers: { Cookie: cookie } }),
        params: {},
        context: {},
      }),
    );
    const row = page.data!.partners.find((p) => p.id === partnerId);
    expect(row).toMatchObject({
      name: 'Aurora Systems',
      openOffers: 1,
      acceptance: '75 %',
      medianResponse: '2.5 h',
      winRate: '50 %',
    });

    const detail = unwrap<Awaited<ReturnType<typeof partnerRoute.loader>>>(
      await partnerRoute.loader({
        request: new Request(`http://localhost/partners/${partnerId}`, { headers: { Cookie: cookie } }),
        params: { partnerId: String(partnerId) },
        context: {},
      }),
    );
    expect(detail.data.figures).toMatchObject({ acceptance: '75 %', openOffers: 1, winRate: '50 %' });
    expect(detail.data.profile.countries).toEqual(['IS']);
    expect(detail.data.canEdit).toBe(true);
  });

  it('is not there (404) for partner users, nor is any partner page', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const role of ['partner_rep', 'partner_admin'] as const) {
        const user = await makeUser(database.db, { role, partnerId });
        const { cookie } = await sessionCookieFor(database.db, user.id);
        const list = await settle(() =>
          partnersRoute.loader({
            request: new Request('http://localhost/partners', { headers: { Cookie: cookie } }),
            params: {},
            context: {},
          }),
        );
        expect((list as Response).status, role).toBe(404);
        const own = await settle(() =>
          partnerRoute.loader({
            request: new Request(`http://localhost/partners/${partnerId}`, { headers: { Cookie: cookie } }),
            params: { partnerId: String(partnerId) },
            context: {},
          }),
        );
        expect((own as Response).status, role).toBe(404);
      }
    } finally {
      warn.mockRestore();
    }
  });

  it('answers 404 for a partner id that does not exist or is not a number', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const manager = await makeUser(database.db, { role: 'admin' });
      const { cookie } = await sessionCookieFor(database.db, manager.id);
      for (const id of ['999999', 'abc', '-1']) {
        const answer = await settle(() =>
          partnerRoute.loader({
            request: new Request(`http://localhost/partners/${id}`, { headers: { Cookie: cookie } }),
            params: { partnerId: id },
            context: {},
          }),
        );
        expect((answer as Response).status, id).toBe(404);
      }
    } finally {
      warn.mockRestore();
    }
  });
});
