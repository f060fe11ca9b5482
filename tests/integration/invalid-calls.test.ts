import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { DomainError } from '../../app/domain/errors';
import {
  accept,
  declineAndReroute,
  extendAndSchedule,
  offerByHandAndSchedule,
  routeAndSchedule,
  submitOpportunity,
  withdraw,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import { offers } from '../../db/schema';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
const clock = new ManualClock(new Date('2026-06-01T08:00:00Z'));

let otherPartnerId: number;
let pendingOfferId: number;
let opportunityId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  await makePartner(database.db, { tier: 'platinum' });
  otherPartnerId = (await makePartner(database.db, { tier: 'registered', productLines: ['networking'] })).id;
  const customer = await makeCustomer(database.db);
  const submitted = await submitOpportunity(deps, opportunityInput(customer.id));
  opportunityId = submitted.opportunityId;
  const [offer] = await database.db.select().from(offers).where(eq(offers.opportunityId, opportunityId));
  pendingOfferId = offer!.id;
});
afterAll(() => database.drop());

/** Runs a call that must fail with the given code and leave every table exactly as it was. */
async function refusedWithoutChange(call: () => Promise<unknown>, code: DomainError['code'], field?: string) {
  const before = await snapshot(database.db);
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  if (field) expect((error as DomainError).field).toBe(field);
  expect(await snapshot(database.db)).toEqual(before);
}

describe('invalid calls are refused with a typed error and change nothing', () => {
  it('refuses answers to an offer that does not exist', async () => {
    await refusedWithoutChange(() => accept(deps, { offerId: 999_999, userId: null }), 'not_found');
    await refusedWithoutChange(
      () => declineAndReroute(deps, { offerId: 999_999, userId: null, reason: 'no_capacity' }),
      'not_found',
    );
  });

  it("answers another partner's offer as not found", async () => {
    await refusedWithoutChange(
      () => accept(deps, { offerId: pendingOfferId, userId: null, scope: { partnerId: otherPartnerId } }),
      'not_found',
    );
  });

  it('refuses a decline without a reason, or with one outside the fixed list', async () => {
    await refusedWithoutChange(
      () => declineAndReroute(deps, { offerId: pendingOfferId, userId: null, reason: undefined }),
      'invalid_input',
      'reason',
    );
    await refusedWithoutChange(
      () => declineAndReroute(deps, { offerId: pendingOfferId, userId: null, reason: 'bored' }),
      'invalid_input',
      'reason',
    );
    await refusedWithoutChange(
      () =>
        declineAndReroute(deps, {
          offerId: pendingOfferId,
          userId: null,
          reason: 'other',
          note: 'x'.repeat(2001),
        }),
      'invalid_input',
      'note',
    );
  });

  it('refuses an accept after the deadline even though no timer has run yet', async () => {
    clock.advance(48 * HOUR_MS);
    await refusedWithoutChange(
      () => accept(deps, { offerId: pendingOfferId, userId: null }),
      'deadline_passed',
    );
    clock.advance(-48 * HOUR_MS);
  });

  it('refuses manager actions on the wrong state', async () => {
    await refusedWithoutChange(
      () => offerByHandAndSchedule(deps, { opportunityId, partnerId: otherPartnerId, userId: 0 }),
      'opportunity_not_routable',
    );
    await refusedWithoutChange(
      () => extendAndSchedule(deps, { offerId: pendingOfferId, hours: 0, userId: 0 }),
      'invalid_input',
      'hours',
    );
    await refusedWithoutChange(() => routeAndSchedule(deps, 424_242), 'not_found');
    await refusedWithoutChange(
      () => withdraw(deps, { offerId: 424_242, userId: null, reroute: true }),
      'not_found',
    );
    await refusedWithoutChange(() => submitOpportunity(deps, opportunityInput(424_242)), 'not_found');
    await refusedWithoutChange(
      () => submitOpportunity(deps, { ...opportunityInput(1), currency: 'euro' }),
      'invalid_input',
      'currency',
    );
  });

  it('refuses a second answer to an offer already answered', async () => {
    await accept(deps, { offerId: pendingOfferId, userId: null });
    await refusedWithoutChange(
      () => accept(deps, { offerId: pendingOfferId, userId: null }),
      'offer_not_pending',
    );
    await refusedWithoutChange(
      () => declineAndReroute(deps, { offerId: pendingOfferId, userId: null, reason: 'no_capacity' }),
      'offer_not_pending',
    );
    await refusedWithoutChange(
      () => withdraw(deps, { offerId: pendingOfferId, userId: null, reroute: false }),
      'offer_not_pending',
    );
  });
});
