import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock';
import type { Candidate } from './candidate';
import { candidate } from '../../../tests/support/candidate-factory';
import {
  bestCandidate,
  candidatesBestFirst,
  compareScored,
  explainBreakdown,
  fitOf,
  preferenceGroup,
  rankCandidates,
  scoreCandidate,
} from './scoring';
import { DEFAULT_ROUTING_SETTINGS, WEIGHT_KEYS, type RoutingWeights } from './settings';

const WINDOW_MS = DEFAULT_ROUTING_SETTINGS.windowHours * HOUR_MS;
const WEIGHTS = DEFAULT_ROUTING_SETTINGS.weights;

const rankedIds = (candidates: readonly Candidate[], weights: RoutingWeights = WEIGHTS) =>
  rankCandidates(candidates, weights, WINDOW_MS).map((s) => s.candidate.id);

/** Deterministic, so a failing shuffle can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('ranking partners for a lead', () => {
  it('a platinum partner outranks a gold one when all else is equal', () => {
    const gold = candidate({ id: 1, tier: 'gold' });
    const platinum = candidate({ id: 2, tier: 'platinum' });

    expect(rankedIds([gold, platinum])).toEqual([2, 1]);
  });

  it('ranks the tiers platinum, gold, silver, registered', () => {
    const partners = [
      candidate({ id: 1, tier: 'registered' }),
      candidate({ id: 2, tier: 'silver' }),
      candidate({ id: 3, tier: 'gold' }),
      candidate({ id: 4, tier: 'platinum' }),
    ];

    expect(rankedIds(partners)).toEqual([4, 3, 2, 1]);
  });

  it('a partner already working with the customer is offered first, even over a higher tier', () => {
    const platinumStranger = candidate({ id: 1, tier: 'platinum' });
    const registeredIncumbent = candidate({ id: 2, tier: 'registered', hasRelationship: true });

    expect(rankedIds([platinumStranger, registeredIncumbent])).toEqual([2, 1]);
  });

  it('an existing relationship goes first whatever the score: a strong stranger cannot outbid it', () => {
    const star = candidate({ id: 1, tier: 'platinum', homeTerritory: true, inCampaign: true, leadsWon: 10 });
    const incumbent = candidate({ id: 2, tier: 'registered', offersAnswered: 10, offersAccepted: 0 });
    const relationship = { ...incumbent, hasRelationship: true };
    // Without the relationship the incumbent would rank last.
    expect(rankedIds([star, incumbent])).toEqual([1, 2]);
    expect(rankedIds([star, relationship])).toEqual([2, 1]);
  });

  it('a campaign that offers to its joined partners first puts every member before every outsider', () => {
    const outsider = candidate({
      id: 1,
      tier: 'platinum',
      homeTerritory: true,
      leadsWon: 10,
      leadsClosed: 10,
    });
    const member = candidate({
      id: 2,
      tier: 'registered',
      inCampaign: true,
      offersAnswered: 10,
      offersAccepted: 0,
      leadsWon: 0,
      leadsClosed: 10,
    });
    const incumbent = candidate({ id: 3, tier: 'registered', hasRelationship: true });
    const ranked = (joinedPartnersFirst: boolean) =>
      rankCandidates([outsider, member], WEIGHTS, WINDOW_MS, { joinedPartnersFirst }).map(
        (s) => s.candidate.id,
      );
    expect(ranked(false)).toEqual([1, 2]);
    expect(ranked(true)).toEqual([2, 1]);
    // The customer's existing partner still comes first, campaign or not.
    expect(
      rankCandidates([outsider, member, incumbent], WEIGHTS, WINDOW_MS, { joinedPartnersFirst: true }).map(
        (s) => s.candidate.id,
      ),
    ).toEqual([3, 2, 1]);
    expect(preferenceGroup(outsider, { joinedPartnersFirst: true })).toBe(2);
  });

  it('a partner in its home territory outranks one that merely covers the country', () => {
    const covering = candidate({ id: 1 });
    const home = candidate({ id: 2, homeTerritory: true });

    expect(rankedIds([covering, home])).toEqual([2, 1]);
  });

  it('a partner that joined the lead’s campaign outranks one that did not', () => {
    const outsider = candidate({ id: 1, tier: 'platinum' });
    const member = candidate({ id: 2, tier: 'gold', inCampaign: true });

    expect(rankedIds([outsider, member])).toEqual([2, 1]);
  });

  it('a partner that wins its leads outranks one that loses them', () => {
    const loser = candidate({ id: 1, leadsWon: 0, leadsClosed: 10 });
    const winner = candidate({ id: 2, leadsWon: 9, leadsClosed: 10 });

    expect(rankedIds([loser, winner])).toEqual([2, 1]);
  });

  it('with the tier weight set to zero, tier no longer decides and the tie-break does', () => {
    const weights = { ...WEIGHTS, tier: 0 };
    const platinum = candidate({ id: 2, tier: 'platinum' });
    const registered = candidate({ id: 1, tier: 'registered' });

    expect(scoreCandidate(platinum, weights, WINDOW_MS).score).toBe(
      scoreCandidate(registered, weights, WINDOW_MS).score,
    );
    expect(rankedIds([platinum, registered], weights)).toEqual([1, 2]);
  });

  it('equal scores go to the partner offered least recently, a never-offered partner first', () => {
    const yesterday = candidate({ id: 1, lastOfferedAt: new Date('2026-03-09T12:00:00Z') });
    const lastWeek = candidate({ id: 2, lastOfferedAt: new Date('2026-03-03T12:00:00Z') });
    const never = candidate({ id: 3, lastOfferedAt: null });

    expect(rankedIds([yesterday, lastWeek, never])).toEqual([3, 2, 1]);
  });

  it('equal scores and equal last offers go to the lower id', () => {
    const at = new Date('2026-03-09T12:00:00Z');
    const partners = [
      candidate({ id: 7, lastOfferedAt: at }),
      candidate({ id: 3, lastOfferedAt: new Date(at) }),
      candidate({ id: 5, lastOfferedAt: new Date(at) }),
    ];

    expect(rankedIds(partners)).toEqual([3, 5, 7]);
    expect(rankedIds([candidate({ id: 9 }), candidate({ id: 4 })])).toEqual([4, 9]);
  });

  it('fairness only breaks ties: a better score wins even if that partner was offered a minute ago', () => {
    const justOffered = candidate({
      id: 1,
      tier: 'platinum',
      lastOfferedAt: new Date('2026-03-10T11:59:00Z'),
    });
    const neverOffered = candidate({ id: 2, tier: 'gold', lastOfferedAt: null });

    expect(rankedIds([neverOffered, justOffered])).toEqual([1, 2]);
  });

  it('the same partners in any order give the same ranking', () => {
    const offeredAt = new Date('2026-03-01T09:00:00Z');
    const partners = [
      candidate({ id: 1, tier: 'platinum' }),
      candidate({ id: 2, tier: 'gold', hasRelationship: true }),
      candidate({ id: 3, tier: 'gold', lastOfferedAt: offeredAt }),
      candidate({ id: 4, tier: 'gold' }),
      candidate({ id: 5, tier: 'gold', lastOfferedAt: offeredAt }),
      candidate({ id: 6, tier: 'silver', inCampaign: true }),
      candidate({ id: 7, tier: 'silver', homeTerritory: true, servesIndustry: true }),
      candidate({
        id: 8,
        tier: 'registered',
        offersAnswered: 4,
        offersAccepted: 4,
        responseMsTotal: HOUR_MS,
      }),
      candidate({ id: 9, tier: 'gold', lastOfferedAt: new Date('2026-02-01T09:00:00Z') }),
      candidate({ id: 10, tier: 'platinum', offersExpired: 6 }),
      candidate({ id: 11, tier: 'gold' }),
      candidate({ id: 12, tier: 'silver', servesSegment: true, leadsWon: 3, leadsClosed: 4 }),
    ];
    const expected = rankedIds(partners);
    // Ties on score (4, 11; 3, 5; 9) must be settled by the tie-break, not by input order.
    expect(expected.indexOf(4)).toBeLessThan(expected.indexOf(11));
    expect(expected.indexOf(11)).toBeLessThan(expected.indexOf(9));
    expect(expected.indexOf(9)).toBeLessThan(expected.indexOf(3));
    expect(expected.indexOf(3)).toBeLessThan(expected.indexOf(5));

    const random = seededRandom(20_260_310);
    for (let attempt = 0; attempt < 50; attempt++) {
      expect(rankedIds(shuffled(partners, random))).toEqual(expected);
    }
  });

  it('the one-pass choice and the lazy order agree with the full ranking, ties and groups included', () => {
    const random = seededRandom(20_261_125);
    const tiers = ['platinum', 'gold', 'silver', 'registered'] as const;
    const times = [null, new Date('2026-03-01T09:00:00Z'), new Date('2026-02-01T09:00:00Z')];
    for (let attempt = 0; attempt < 300; attempt++) {
      // Few distinct values, so that equal scores (and equal last offers) are common.
      const partners = Array.from({ length: 1 + Math.floor(random() * 40) }, (_, i) =>
        candidate({
          id: 1 + Math.floor(random() * 1_000) * 50 + i,
          tier: tiers[Math.floor(random() * 4)]!,
          lastOfferedAt: times[Math.floor(random() * 3)]!,
          homeTerritory: random() < 0.3,
          inCampaign: random() < 0.3,
          hasRelationship: random() < 0.05,
          offersAnswered: Math.floor(random() * 3),
          offersAccepted: Math.floor(random() * 2),
          leadsWon: Math.floor(random() * 2),
          leadsClosed: 2,
        }),
      );
      const preference = { joinedPartnersFirst: random() < 0.5 };
      const ranked = rankCandidates(partners, WEIGHTS, WINDOW_MS, preference);
      expect(bestCandidate(partners, WEIGHTS, WINDOW_MS, preference)).toEqual(ranked[0]);
      expect([...candidatesBestFirst(partners, WEIGHTS, WINDOW_MS, preference)]).toEqual(ranked);
    }
    expect(bestCandidate([], WEIGHTS, WINDOW_MS)).toBeUndefined();
    expect([...candidatesBestFirst([], WEIGHTS, WINDOW_MS)]).toEqual([]);
  });

  it('ranking leaves the caller’s list in its original order', () => {
    const partners = [candidate({ id: 1, tier: 'registered' }), candidate({ id: 2, tier: 'platinum' })];

    rankCandidates(partners, WEIGHTS, WINDOW_MS);

    expect(partners.map((p) => p.id)).toEqual([1, 2]);
  });

  it('compares a better score as coming first, and a partner with itself as equal', () => {
    const better = scoreCandidate(candidate({ id: 2, tier: 'platinum' }), WEIGHTS, WINDOW_MS);
    const worse = scoreCandidate(candidate({ id: 1, tier: 'silver' }), WEIGHTS, WINDOW_MS);

    expect(compareScored(better, worse)).toBeLessThan(0);
    expect(compareScored(worse, better)).toBeGreaterThan(0);
    expect(compareScored(better, better)).toBe(0);
  });
});

describe('how well a partner fits a lead', () => {
  it('a partner with no history counts as accepting, answering and winning at one half', () => {
    const fit = fitOf(candidate(), WINDOW_MS);

    expect(fit.acceptance).toBe(0.5);
    expect(fit.speed).toBe(0.5);
    expect(fit.winRate).toBe(0.5);
  });

  it('acceptance is Laplace-smoothed and counts an expired offer as not accepted', () => {
    const alwaysYes = candidate({ offersAnswered: 8, offersAccepted: 8 });
    const yesButSlow = candidate({ offersAnswered: 8, offersAccepted: 8, offersExpired: 2 });

    expect(fitOf(alwaysYes, WINDOW_MS).acceptance).toBeCloseTo(9 / 10, 10);
    expect(fitOf(yesButSlow, WINDOW_MS).acceptance).toBeCloseTo(9 / 12, 10);
  });

  it('a partner that let every offer expire still has a little acceptance, never zero', () => {
    const silent = candidate({ offersExpired: 3 });

    expect(fitOf(silent, WINDOW_MS).acceptance).toBeCloseTo(1 / 5, 10);
  });

  it('win rate is Laplace-smoothed over closed leads', () => {
    expect(fitOf(candidate({ leadsWon: 3, leadsClosed: 4 }), WINDOW_MS).winRate).toBeCloseTo(4 / 6, 10);
    expect(fitOf(candidate({ leadsWon: 0, leadsClosed: 8 }), WINDOW_MS).winRate).toBeCloseTo(1 / 10, 10);
  });

  it('speed is one minus the average response time over the window', () => {
    const twelveHoursOnAverage = candidate({ offersAnswered: 4, responseMsTotal: 4 * 12 * HOUR_MS });
    const oneHourOnAverage = candidate({ offersAnswered: 2, responseMsTotal: 2 * HOUR_MS });

    expect(fitOf(twelveHoursOnAverage, WINDOW_MS).speed).toBeCloseTo(0.75, 10);
    expect(fitOf(oneHourOnAverage, WINDOW_MS).speed).toBeCloseTo(1 - 1 / 48, 10);
    expect(fitOf(twelveHoursOnAverage, 24 * HOUR_MS).speed).toBeCloseTo(0.5, 10);
  });

  it('speed never goes below zero, even for answers slower than the window', () => {
    const slowerThanTheWindow = candidate({ offersAnswered: 1, responseMsTotal: 60 * HOUR_MS });

    expect(fitOf(slowerThanTheWindow, WINDOW_MS).speed).toBe(0);
  });

  it('home territory fits fully, a country merely covered fits by half', () => {
    expect(fitOf(candidate({ homeTerritory: true }), WINDOW_MS).territory).toBe(1);
    expect(fitOf(candidate({ homeTerritory: false }), WINDOW_MS).territory).toBe(0.5);
  });

  it('industry, segment, campaign and relationship fit fully or not at all', () => {
    const all = fitOf(
      candidate({ servesIndustry: true, servesSegment: true, inCampaign: true, hasRelationship: true }),
      WINDOW_MS,
    );
    const none = fitOf(candidate(), WINDOW_MS);

    expect([all.industry, all.segment, all.campaign, all.relationship]).toEqual([1, 1, 1, 1]);
    expect([none.industry, none.segment, none.campaign, none.relationship]).toEqual([0, 0, 0, 0]);
  });

  it('every factor fits between zero and one', () => {
    const partners = [
      candidate(),
      candidate({
        tier: 'platinum',
        homeTerritory: true,
        hasRelationship: true,
        leadsWon: 50,
        leadsClosed: 50,
      }),
      candidate({ tier: 'registered', offersExpired: 40, offersAnswered: 1, responseMsTotal: 99 * HOUR_MS }),
    ];
    for (const partner of partners) {
      const fit = fitOf(partner, WINDOW_MS);
      expect(Object.keys(fit).sort()).toEqual([...WEIGHT_KEYS].sort());
      for (const value of Object.values(fit)) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('the score stored with an offer', () => {
  const worked = candidate({
    tier: 'gold',
    homeTerritory: true,
    servesIndustry: true,
    offersAnswered: 4,
    offersAccepted: 3,
    responseMsTotal: 4 * 12 * HOUR_MS,
    leadsWon: 1,
    leadsClosed: 2,
  });

  it('each factor earns its fit times its weight', () => {
    const { breakdown } = scoreCandidate(worked, WEIGHTS, WINDOW_MS);

    expect(breakdown.territory).toEqual({ fit: 1, points: 10 });
    expect(breakdown.industry).toEqual({ fit: 1, points: 15 });
    expect(breakdown.segment).toEqual({ fit: 0, points: 0 });
    expect(breakdown.tier).toEqual({ fit: 0.75, points: 7.5 });
    expect(breakdown.campaign).toEqual({ fit: 0, points: 0 });
    expect(breakdown.relationship).toEqual({ fit: 0, points: 0 });
    expect(breakdown.acceptance).toEqual({ fit: 0.6667, points: 10 });
    expect(breakdown.speed).toEqual({ fit: 0.75, points: 7.5 });
    expect(breakdown.winRate).toEqual({ fit: 0.5, points: 7.5 });
  });

  it('the breakdown’s points add up to the score', () => {
    const partners = [
      worked,
      candidate(),
      candidate({ tier: 'platinum', inCampaign: true, hasRelationship: true, servesSegment: true }),
      candidate({ tier: 'silver', offersAnswered: 7, offersAccepted: 2, responseMsTotal: 7 * 31 * 60_000 }),
      candidate({ tier: 'registered', offersExpired: 5, leadsWon: 2, leadsClosed: 7 }),
    ];
    const oddWeights: RoutingWeights = { ...WEIGHTS, acceptance: 13, speed: 7, winRate: 11, tier: 3 };

    expect(scoreCandidate(worked, WEIGHTS, WINDOW_MS).score).toBe(57.5);
    for (const weights of [WEIGHTS, oddWeights]) {
      for (const partner of partners) {
        const { score, breakdown } = scoreCandidate(partner, weights, WINDOW_MS);
        const total = Object.values(breakdown).reduce((sum, factor) => sum + factor.points, 0);
        expect(total).toBeCloseTo(score, 9);
      }
    }
  });

  it('the breakdown covers every weighted factor', () => {
    const { breakdown } = scoreCandidate(worked, WEIGHTS, WINDOW_MS);

    expect(Object.keys(breakdown).sort()).toEqual([...WEIGHT_KEYS].sort());
  });

  it('the ranked entry carries the partner it scored', () => {
    const [first] = rankCandidates([worked], WEIGHTS, WINDOW_MS);

    expect(first!.candidate).toBe(worked);
    expect(first!.score).toBe(57.5);
  });

  it('a perfect partner scores the sum of the weights', () => {
    const perfect = candidate({
      tier: 'platinum',
      homeTerritory: true,
      servesIndustry: true,
      servesSegment: true,
      inCampaign: true,
      hasRelationship: true,
    });
    const { breakdown } = scoreCandidate(perfect, WEIGHTS, WINDOW_MS);

    for (const key of ['territory', 'industry', 'segment', 'tier', 'campaign', 'relationship'] as const) {
      expect(breakdown[key].points).toBe(WEIGHTS[key]);
    }
  });
});

describe('why a partner got a lead, in words', () => {
  it('lists the strongest reason first', () => {
    const incumbent = candidate({ tier: 'gold', hasRelationship: true, servesIndustry: true });
    const reasons = explainBreakdown(scoreCandidate(incumbent, WEIGHTS, WINDOW_MS).breakdown);

    expect(reasons[0]).toBe('you already work with this customer (+30)');
    expect(reasons[1]).toBe('you work in the customer’s industry (+15)');
  });

  it('gives one reason per factor, from most to fewest points', () => {
    const { breakdown } = scoreCandidate(
      candidate({ tier: 'silver', inCampaign: true, leadsWon: 4, leadsClosed: 5 }),
      WEIGHTS,
      WINDOW_MS,
    );
    const reasons = explainBreakdown(breakdown);
    const points = reasons.map((reason) => Number(/\(\+([\d.]+)\)$/.exec(reason)?.[1]));

    expect(reasons).toHaveLength(WEIGHT_KEYS.length);
    expect(points.every((p) => Number.isFinite(p))).toBe(true);
    expect(points).toEqual([...points].sort((a, b) => b - a));
    expect(reasons[0]).toBe('you joined the campaign this lead comes from (+20)');
  });

  it('speaks the partner’s language, not the setting’s keys', () => {
    const { breakdown } = scoreCandidate(candidate({ homeTerritory: true }), WEIGHTS, WINDOW_MS);
    const reasons = explainBreakdown(breakdown);

    for (const reason of reasons) {
      expect(reason).toMatch(/^[a-z][a-z’% ]+(\d+% )?\(\+[\d.]+\)$/);
      expect(reason).not.toMatch(/winRate|[a-z][A-Z]|_/);
    }
    expect(reasons).toContain('the customer is in your home territory (+10)');
    expect(reasons).toContain('your partner tier counts for 75% (+7.5)');
    expect(reasons).toContain('your acceptance rate counts as 50% (+7.5)');
    expect(reasons).toContain('your response speed counts as 50% (+5)');
    expect(reasons).toContain('your win rate counts as 50% (+7.5)');
    expect(reasons).toContain('no existing relationship with this customer (+0)');
  });

  it('says so when the partner only covers the customer’s country', () => {
    const reasons = explainBreakdown(scoreCandidate(candidate(), WEIGHTS, WINDOW_MS).breakdown);

    expect(reasons).toContain('you cover the customer’s country (+5)');
    expect(reasons).toContain('the industry is outside your listed ones (+0)');
  });
});
