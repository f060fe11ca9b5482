import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { DomainError } from '../../app/domain/errors';
import { updateLeadStage, type LeadStageInput } from '../../app/domain/leads/lead-progress.server';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { checkInvariants } from '../../db/check-invariants';
import { offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
// Ahead of the wall clock, so that the offer left pending below is not overdue for the checker.
const clock = new ManualClock(new Date('2030-04-01T08:00:00Z'));

let partnerId: number;
let otherPartnerId: number;
let customerId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  partnerId = (await makePartner(database.db, { tier: 'platinum', countries: ['NL'] })).id;
  // Sells another product line: never offered these leads, so it only ever reaches for them.
  otherPartnerId = (await makePartner(database.db, { countries: ['NL'], productLines: ['networking'] })).id;
  customerId = (await makeCustomer(database.db, { country: 'NL' })).id;
});
afterAll(() => database.drop());

/** An opportunity offered through the real loop and accepted by the partner: a fresh lead. */
async function acceptedLead(): Promise<number> {
  const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customerId));
  expect(routing).toMatchObject({ kind: 'offered', partnerId });
  const [offer] = await database.db.select().from(offers).where(eq(offers.opportunityId, opportunityId));
  clock.advance(HOUR_MS);
  await accept(deps, { offerId: offer!.id, userId: null, scope: { partnerId } });
  return opportunityId;
}

const move = (opportunityId: number, change: Omit<LeadStageInput, 'opportunityId' | 'userId'>) => {
  clock.advance(HOUR_MS);
  return updateLeadStage(
    database.db,
    { opportunityId, userId: null, scope: { partnerId }, ...change },
    clock,
  );
};

async function partnerFigures(id = partnerId) {
  const [row] = await database.db
    .select({ openLoad: partners.openLoad, leadsWon: partners.leadsWon, leadsClosed: partners.leadsClosed })
    .from(partners)
    .where(eq(partners.id, id));
  return row!;
}

async function lead(opportunityId: number) {
  const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
  return row!;
}

async function stageEvents(opportunityId: number) {
  const rows = await database.db
    .select()
    .from(opportunityEvents)
    .where(eq(opportunityEvents.opportunityId, opportunityId))
    .orderBy(asc(opportunityEvents.id));
  return rows.filter((e) => e.kind === 'status_changed');
}

/** Runs a call that must fail with the given code (and field) and leave every table as it was. */
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
  return error as DomainError;
}

describe('a partner works its accepted lead', () => {
  it('moves a lead from contacted to proposal to won, frees its capacity and counts the win', async () => {
    const opportunityId = await acceptedLead();
    const before = await partnerFigures();

    expect(await move(opportunityId, { stage: 'contacted' })).toEqual({
      opportunityId,
      partnerId,
      from: 'accepted',
      to: 'contacted',
    });
    await move(opportunityId, { stage: 'proposal' });
    // Still being worked: the lead keeps its capacity unit until it closes.
    expect(await partnerFigures()).toEqual(before);
    await move(opportunityId, { stage: 'won', wonValueMinor: 11_900_000 });

    expect(await lead(opportunityId)).toMatchObject({
      status: 'won',
      wonValueMinor: 11_900_000,
      lostReason: null,
      acceptedPartnerId: partnerId,
      updatedAt: clock.now(),
    });
    expect(await partnerFigures()).toEqual({
      openLoad: before.openLoad - 1,
      leadsWon: before.leadsWon + 1,
      leadsClosed: before.leadsClosed + 1,
    });
    const events = await stageEvents(opportunityId);
    expect(events.map((e) => [e.detail, e.partnerId])).toEqual([
      [{ from: 'accepted', to: 'contacted' }, partnerId],
      [{ from: 'contacted', to: 'proposal' }, partnerId],
      [{ from: 'proposal', to: 'won', wonValueMinor: 11_900_000 }, partnerId],
    ]);
    expect(events.at(-1)!.at).toEqual(clock.now());
  });

  it('closes a lead as lost with a reason and a note, straight from accepted', async () => {
    const opportunityId = await acceptedLead();
    const before = await partnerFigures();
    await move(opportunityId, {
      stage: 'lost',
      lostReason: 'competitor',
      lostNote: '  Customer stayed with the incumbent supplier  ',
    });
    expect(await lead(opportunityId)).toMatchObject({
      status: 'lost',
      lostReason: 'competitor',
      wonValueMinor: null,
    });
    expect(await partnerFigures()).toEqual({
      openLoad: before.openLoad - 1,
      leadsWon: before.leadsWon,
      leadsClosed: before.leadsClosed + 1,
    });
    expect((await stageEvents(opportunityId)).map((e) => e.detail)).toEqual([
      {
        from: 'accepted',
        to: 'lost',
        lostReason: 'competitor',
        lostNote: 'Customer stayed with the incumbent supplier',
      },
    ]);
  });

  it('lets an empty form field count as not given', async () => {
    const opportunityId = await acceptedLead();
    await move(opportunityId, { stage: 'proposal', wonValueMinor: '', lostReason: null, lostNote: '' });
    await move(opportunityId, { stage: 'lost', lostReason: 'no_budget', lostNote: '   ' });
    expect((await stageEvents(opportunityId)).map((e) => e.detail)).toEqual([
      { from: 'accepted', to: 'proposal' },
      { from: 'proposal', to: 'lost', lostReason: 'no_budget', lostNote: null },
    ]);
  });

  it('gives exactly one of two racing closes the lead, and counts it once', async () => {
    const opportunityId = await acceptedLead();
    const before = await partnerFigures();
    const results = await Promise.allSettled([
      move(opportunityId, { stage: 'won', wonValueMinor: 5_000_000 }),
      move(opportunityId, { stage: 'lost', lostReason: 'timing' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({
      code: 'invalid_input',
      field: 'stage',
    });
    expect(await partnerFigures()).toMatchObject({
      openLoad: before.openLoad - 1,
      leadsClosed: before.leadsClosed + 1,
    });
    expect(await stageEvents(opportunityId)).toHaveLength(1);
  });
});

describe('a lead only moves forward, and only for its own partner', () => {
  it('refuses every move back, out of a closed lead or onto the same stage, and changes nothing', async () => {
    const won = await acceptedLead();
    await move(won, { stage: 'won', wonValueMinor: 100 });
    const lost = await acceptedLead();
    await move(lost, { stage: 'lost', lostReason: 'price' });
    const atProposal = await acceptedLead();
    await move(atProposal, { stage: 'proposal' });
    const contacted = await acceptedLead();
    await move(contacted, { stage: 'contacted' });

    const refusals: [number, Omit<LeadStageInput, 'opportunityId' | 'userId'>, string][] = [
      [won, { stage: 'proposal' }, 'a won lead cannot move to proposal'],
      [won, { stage: 'contacted' }, 'a won lead cannot move to contacted'],
      [won, { stage: 'lost', lostReason: 'other' }, 'a won lead cannot move to lost'],
      [won, { stage: 'won', wonValueMinor: 200 }, 'the lead is already won'],
      [lost, { stage: 'won', wonValueMinor: 100 }, 'a lost lead cannot move to won'],
      [lost, { stage: 'contacted' }, 'a lost lead cannot move to contacted'],
      [atProposal, { stage: 'contacted' }, 'a lead at proposal cannot go back to contacted'],
      [atProposal, { stage: 'proposal' }, 'the lead is already proposal'],
      [contacted, { stage: 'contacted' }, 'the lead is already contacted'],
    ];
    for (const [opportunityId, change, reason] of refusals) {
      const error = await refusedWithoutChange(() => move(opportunityId, change), 'invalid_input', 'stage');
      expect(error.message).toBe(`stage: ${reason}`);
    }
  });

  it('refuses to move an opportunity that no partner has accepted yet', async () => {
    const { opportunityId } = await submitOpportunity(deps, opportunityInput(customerId));
    const error = await refusedWithoutChange(
      () =>
        updateLeadStage(database.db, { opportunityId, userId: null, stage: 'won', wonValueMinor: 1 }, clock),
      'invalid_input',
      'stage',
    );
    expect(error.message).toMatch(/is offered, not a lead a partner has accepted/);
    // To the partner it was offered to, it is not a lead of theirs at all.
    await refusedWithoutChange(() => move(opportunityId, { stage: 'contacted' }), 'not_found');
  });

  it("answers not found when a partner reaches for another partner's lead, or for no lead at all", async () => {
    const opportunityId = await acceptedLead();
    const foreign = { opportunityId, userId: null, scope: { partnerId: otherPartnerId } };
    await refusedWithoutChange(
      () => updateLeadStage(database.db, { ...foreign, stage: 'contacted' }, clock),
      'not_found',
    );
    await refusedWithoutChange(
      () => updateLeadStage(database.db, { ...foreign, stage: 'won', wonValueMinor: 1 }, clock),
      'not_found',
    );
    await refusedWithoutChange(() => move(999_999, { stage: 'contacted' }), 'not_found');
    await refusedWithoutChange(() => move(-1, { stage: 'contacted' }), 'not_found');
    await refusedWithoutChange(() => move(1.5, { stage: 'contacted' }), 'not_found');
    // Its own partner still can.
    await move(opportunityId, { stage: 'contacted' });
    expect((await lead(opportunityId)).status).toBe('contacted');
  });
});

describe('bad input names the field and the reason, and changes nothing', () => {
  it.each([
    [{ stage: 'won' }, 'wonValueMinor', 'a won lead needs the amount it was won for'],
    [{ stage: 'won', wonValueMinor: -1 }, 'wonValueMinor', 'cannot be negative'],
    [{ stage: 'won', wonValueMinor: 12.5 }, 'wonValueMinor', 'a whole amount in minor units'],
    [{ stage: 'won', wonValueMinor: '1000' }, 'wonValueMinor', 'a whole amount in minor units'],
    [{ stage: 'lost' }, 'lostReason', 'a lost lead needs a reason'],
    [{ stage: 'lost', lostNote: 'They went quiet' }, 'lostReason', 'a lost lead needs a reason'],
    [
      { stage: 'lost', lostReason: 'bad_weather' },
      'lostReason',
      'choose one of: price, timing, competitor, no_budget, no_decision, other',
    ],
    [
      { stage: 'lost', lostReason: 'other', lostNote: 'x'.repeat(2001) },
      'lostNote',
      'at most 2000 characters',
    ],
    [{ stage: 'contacted', wonValueMinor: 100 }, 'wonValueMinor', 'only a won lead has a won amount'],
    [
      { stage: 'won', wonValueMinor: 100, lostReason: 'price' },
      'lostReason',
      'only a lost lead has a lost reason',
    ],
    [{ stage: 'proposal', lostNote: 'hmm' }, 'lostNote', 'only a lost lead has a note on why'],
    [{ stage: 'accepted' }, 'stage', 'choose one of: contacted, proposal, won, lost'],
    [{ stage: undefined }, 'stage', 'choose one of: contacted, proposal, won, lost'],
  ] as const)('refuses %o on %s', async (change, field, reason) => {
    const opportunityId = await acceptedLead();
    const error = await refusedWithoutChange(() => move(opportunityId, change), 'invalid_input', field);
    expect(error.message).toBe(`${field}: ${reason}`);
  });

  it('leaves every invariant of the loop intact', async () => {
    expect(await checkInvariants(database.client, { reconcilerPeriodMs: 30_000 })).toEqual([]);
  });
});
