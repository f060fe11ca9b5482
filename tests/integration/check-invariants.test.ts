import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { createOpportunity } from '../../app/domain/opportunities/create-opportunity.server';
import {
  accept,
  declineAndReroute,
  expireAndReroute,
  submitOpportunity,
  takeBackAndReroute,
  withdraw,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { checkInvariants, type Violation } from '../../db/check-invariants';
import { makeUser } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PERIOD_MS = 30_000;

let database: TestDatabase;
let story: Awaited<ReturnType<typeof playHealthyHistory>>;

/**
 * A small history through the real loop, ending at the real present: a lead declined, expired
 * and accepted by its third partner; one withdrawn; one unroutable; one live offer.
 */
async function playHealthyHistory({ db, client }: TestDatabase) {
  const clock = new ManualClock(Date.now() - 60 * HOUR_MS);
  const deps: LoopDeps = { db, clock, timers: new RecordingTimers() };
  const [first, second, third] = [
    await makePartner(db, { tier: 'platinum', countries: ['FR'] }),
    await makePartner(db, { tier: 'gold', countries: ['FR'] }),
    await makePartner(db, { tier: 'silver', countries: ['FR'] }),
  ];
  const french = await makeCustomer(db, { country: 'FR' });
  const kenyan = await makeCustomer(db, { country: 'KE' });
  const pendingOffer = async (opportunityId: number) =>
    (await client`SELECT id FROM offers WHERE opportunity_id = ${opportunityId} AND status = 'pending'`)[0]!
      .id as number;

  const won = await submitOpportunity(deps, opportunityInput(french.id));
  clock.advance(HOUR_MS);
  await declineAndReroute(deps, {
    offerId: await pendingOffer(won.opportunityId),
    userId: null,
    reason: 'no_capacity',
  });
  clock.advance(48 * HOUR_MS + 1);
  await expireAndReroute(deps, await pendingOffer(won.opportunityId));
  clock.advance(HOUR_MS);
  await accept(deps, { offerId: await pendingOffer(won.opportunityId), userId: null });

  const withdrawn = await submitOpportunity(deps, opportunityInput(french.id));
  await withdraw(deps, {
    offerId: await pendingOffer(withdrawn.opportunityId),
    userId: null,
    reroute: false,
  });
  const unroutable = await submitOpportunity(deps, opportunityInput(kenyan.id));
  const live = await submitOpportunity(deps, opportunityInput(french.id));
  return {
    partners: { first, second, third },
    customer: french,
    accepted: won.opportunityId,
    withdrawn: withdrawn.opportunityId,
    unroutable: unroutable.opportunityId,
    live: live.opportunityId,
    liveOffer: await pendingOffer(live.opportunityId),
  };
}

const check = () => checkInvariants(database.client, { reconcilerPeriodMs: PERIOD_MS });
const broken = (violations: Violation[]) => [...new Set(violations.map((v) => v.invariant))].sort();

beforeEach(async () => {
  database = await createTestDatabase();
  story = await playHealthyHistory(database);
});
afterEach(() => database.drop());

describe('the invariant checker', () => {
  it('finds nothing wrong with a history made by the routing loop', async () => {
    expect(await check()).toEqual([]);
  });

  it('flags a pending offer an hour past its deadline, naming the offer', async () => {
    await database.client`UPDATE offers SET expires_at = now() - interval '1 hour' WHERE id = ${story.liveOffer}`;
    const violations = await check();
    expect(broken(violations)).toEqual(['pending_offer_deadline_not_overdue']);
    expect(violations[0]!.detail).toContain(`offer ${story.liveOffer} `);
  });

  it('allows a deadline missed by less than one reconciler period', async () => {
    await database.client`UPDATE offers SET expires_at = now() - interval '10 seconds' WHERE id = ${story.liveOffer}`;
    expect(await check()).toEqual([]);
  });

  it('flags a partner whose open load disagrees with its offers and leads', async () => {
    await database.client`UPDATE partners SET open_load = open_load + 2 WHERE id = ${story.partners.third.id}`;
    const violations = await check();
    expect(broken(violations)).toEqual(['partner_open_load_counts_pending_offers_and_open_leads']);
    expect(violations[0]!.detail).toContain(story.partners.third.slug);
  });

  it('flags an expired offer whose expiry is missing from the timeline', async () => {
    await database.client`DELETE FROM opportunity_events WHERE kind = 'expired'`;
    expect(broken(await check())).toEqual(['answered_offer_has_one_matching_event']);
  });

  it('flags an offer whose offering is missing from the timeline', async () => {
    await database.client`DELETE FROM opportunity_events WHERE kind = 'offered' AND offer_id = ${story.liveOffer}`;
    expect(broken(await check())).toEqual(['offer_has_one_offered_event']);
  });

  it('flags a pending offer whose timeline already records an answer', async () => {
    await database.client`
      INSERT INTO opportunity_events (opportunity_id, offer_id, kind, at)
      VALUES (${story.live}, ${story.liveOffer}, 'declined', now())`;
    expect(broken(await check())).toEqual(['pending_offer_has_no_answer_event']);
  });

  it('flags a lead left waiting for routing longer than a reconciler period, but not one just arrived', async () => {
    const fresh = new ManualClock(Date.now() - 5_000);
    await createOpportunity(database.db, opportunityInput(story.customer.id), fresh);
    expect(await check()).toEqual([]);
    fresh.set(Date.now() - 5 * 60_000);
    const { opportunityId } = await createOpportunity(
      database.db,
      opportunityInput(story.customer.id),
      fresh,
    );
    const violations = await check();
    expect(broken(violations)).toEqual(['new_opportunity_is_routed_promptly']);
    expect(violations[0]!.detail).toContain(`opportunity ${opportunityId} `);
  });

  it('flags an offered lead without a pending offer', async () => {
    await database.client`UPDATE opportunities SET status = 'offered' WHERE id = ${story.withdrawn}`;
    expect(broken(await check())).toEqual(['offered_opportunity_has_one_pending_offer']);
  });

  it('flags a pending offer on a lead that was withdrawn', async () => {
    await database.client`UPDATE opportunities SET status = 'withdrawn' WHERE id = ${story.live}`;
    expect(broken(await check())).toEqual(['no_pending_offer_on_settled_opportunity']);
  });

  it('flags a lead credited to a partner other than the one whose offer was accepted', async () => {
    const { first, third } = story.partners;
    // Move the capacity unit along too, so that only the ownership is wrong.
    await database.client.begin(async (tx) => {
      await tx`UPDATE opportunities SET accepted_partner_id = ${first.id} WHERE id = ${story.accepted}`;
      await tx`UPDATE partners SET open_load = open_load + 1 WHERE id = ${first.id}`;
      await tx`UPDATE partners SET open_load = open_load - 1 WHERE id = ${third.id}`;
    });
    expect(broken(await check())).toEqual(['lead_has_one_accepted_offer_of_its_partner']);
  });

  it('flags an unroutable lead whose timeline does not end in unroutable', async () => {
    await database.client`DELETE FROM opportunity_events WHERE kind = 'unroutable' AND opportunity_id = ${story.unroutable}`;
    const violations = await check();
    expect(broken(violations)).toEqual(['unroutable_opportunity_ends_with_unroutable_event']);
    expect(violations[0]!.detail).toContain('missing');
  });

  it('flags two pending offers for one lead, should the database constraint ever be dropped', async () => {
    const { second } = story.partners;
    await database.client.begin(async (tx) => {
      await tx`DROP INDEX offers_one_pending_per_opportunity`;
      const [offer] = await tx`
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                            reminder_offsets_hours, score, score_breakdown)
        SELECT opportunity_id, ${second.id}, round + 1, 'pending', offered_at, expires_at,
               reminder_offsets_hours, score, score_breakdown
        FROM offers WHERE id = ${story.liveOffer}
        RETURNING id`;
      await tx`
        INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, at)
        VALUES (${story.live}, ${offer!.id}, ${second.id}, 'offered', now())`;
      await tx`UPDATE partners SET open_load = open_load + 1 WHERE id = ${second.id}`;
    });
    // The second name is the same fault seen from the opportunity's side.
    expect(broken(await check())).toEqual([
      'offered_opportunity_has_one_pending_offer',
      'one_pending_offer_per_opportunity',
    ]);
  });

  it('accepts a lead taken back from one partner and accepted by the next, and nothing else alike', async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager' });
    // The three partners all had this lead; a fourth can take it over.
    await makePartner(database.db, { tier: 'gold', countries: ['FR'] });
    const deps: LoopDeps = {
      db: database.db,
      clock: new ManualClock(Date.now()),
      timers: new RecordingTimers(),
    };
    const { next } = await takeBackAndReroute(deps, {
      opportunityId: story.accepted,
      userId: manager.id,
      reason: 'The partner lost its storage team',
    });
    expect(next.kind).toBe('offered');
    if (next.kind !== 'offered') return;
    await accept(deps, { offerId: next.timer.offerId, userId: null });
    expect(await check()).toEqual([]);
    // An acceptance that no manager ended still counts: two holders is a fault.
    await database.client`UPDATE opportunity_events SET kind = 'status_changed' WHERE kind = 'lead_taken_back'`;
    expect(broken(await check())).toEqual(['lead_has_one_accepted_offer_of_its_partner']);
  });

  it('flags an email left failed or skipped without saying why', async () => {
    await makeUser(database.db, { role: 'partner_rep', partnerId: story.partners.third.id });
    const [email] = await fanOutPending(database.db);
    expect(email).toBeDefined();
    expect(await check()).toEqual([]);
    await database.client`UPDATE notifications SET status = 'failed' WHERE id = ${email!}`;
    const violations = await check();
    expect(broken(violations)).toEqual(['unsent_email_says_why']);
    expect(violations[0]!.detail).toContain(`email ${email} `);
  });

  it('flags an email whose sender died and was never taken over, but not a live lease', async () => {
    await makeUser(database.db, { role: 'partner_rep', partnerId: story.partners.third.id });
    const [email] = await fanOutPending(database.db);
    await database.client`
      UPDATE notifications SET status = 'sending', lease_until = now() + interval '1 minute' WHERE id = ${email!}`;
    expect(await check()).toEqual([]);
    await database.client`UPDATE notifications SET lease_until = now() - interval '1 hour' WHERE id = ${email!}`;
    expect(broken(await check())).toEqual(['email_lease_not_abandoned']);
  });

  it('reads its database from a URL as well as from a client', async () => {
    await database.client`UPDATE partners SET open_load = open_load + 1 WHERE id = ${story.partners.first.id}`;
    const violations = await checkInvariants(database.url, { reconcilerPeriodMs: PERIOD_MS });
    expect(broken(violations)).toEqual(['partner_open_load_counts_pending_offers_and_open_leads']);
  });
});
