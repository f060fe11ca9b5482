import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock';
import type { RoutingTarget } from './candidate';
import { ineligibility, skipReasons } from './eligibility';
import { offerChoices } from './offer-choices';
import { candidateOf, coverageIndex, coveringFrom, type PartnerProfile } from './partner-directory.server';
import { bestCandidate, type RoutingPreference } from './scoring';
import { WEIGHT_KEYS, type RoutingWeights } from './settings';

const NOW = new Date('2026-03-10T12:00:00Z');
const WINDOW_MS = 48 * HOUR_MS;
const COUNTRIES = ['DE', 'FR', 'IS'];
const PRODUCT_LINES = ['storage', 'networking', 'security'];
const INDUSTRIES = ['manufacturing', 'retail'];
const SEGMENTS = ['enterprise', 'mid_market'];
const INSTANTS = [null, new Date(NOW.getTime() - HOUR_MS), new Date(NOW), new Date(NOW.getTime() + HOUR_MS)];

const someOf = <T>(values: readonly T[]) => fc.subarray([...values]);

const partnerProfile = (id: number): fc.Arbitrary<PartnerProfile> =>
  fc.record({
    id: fc.constant(id),
    tier: fc.constantFrom('platinum', 'gold', 'silver', 'registered'),
    // Mostly active, so that scenes have something to rank.
    status: fc.constantFrom('active', 'active', 'active', 'suspended', 'inactive'),
    countries: someOf(COUNTRIES),
    productLines: someOf(PRODUCT_LINES),
    industries: someOf(INDUSTRIES),
    sizeSegments: someOf(SEGMENTS),
    maxOpen: fc.integer({ min: 0, max: 3 }),
    openLoad: fc.integer({ min: 0, max: 4 }),
    pausedUntil: fc.constantFrom(...INSTANTS),
    lastOfferedAt: fc.constantFrom(...INSTANTS),
    // Few distinct figures, so that equal scores and the tie-breaks are common.
    offersAnswered: fc.integer({ min: 0, max: 3 }),
    offersAccepted: fc.integer({ min: 0, max: 2 }),
    offersExpired: fc.integer({ min: 0, max: 2 }),
    responseMsTotal: fc.constantFrom(0, HOUR_MS, 10 * HOUR_MS),
    leadsWon: fc.integer({ min: 0, max: 2 }),
    leadsClosed: fc.constant(2),
  }) as fc.Arbitrary<PartnerProfile>;

const scene = fc.integer({ min: 0, max: 25 }).chain((count) =>
  fc.record({
    partners: fc.tuple(...Array.from({ length: count }, (_, i) => partnerProfile(i + 1))),
    target: fc.record({
      country: fc.constantFrom(...COUNTRIES),
      productLine: fc.constantFrom(...PRODUCT_LINES),
      industry: fc.constantFrom(...INDUSTRIES),
      sizeSegment: fc.constantFrom(...SEGMENTS),
    }),
    // Ids past the partners too: an offer to a partner that no longer exists.
    offered: fc.uniqueArray(fc.integer({ min: 1, max: count + 3 }), { maxLength: 8 }),
    related: fc.uniqueArray(fc.integer({ min: 1, max: count + 1 }), { maxLength: 3 }),
    joined: fc.uniqueArray(fc.integer({ min: 1, max: count + 1 }), { maxLength: 8 }),
    joinedPartnersFirst: fc.boolean(),
    roundsUsed: fc.integer({ min: 0, max: 6 }),
    roundLimit: fc.integer({ min: 1, max: 6 }),
    weights: fc.record(
      Object.fromEntries(WEIGHT_KEYS.map((key) => [key, fc.integer({ min: 0, max: 30 })])) as Record<
        keyof RoutingWeights,
        fc.Arbitrary<number>
      >,
    ),
    shown: fc.integer({ min: 1, max: 8 }),
  }),
);

type Scene = typeof scene extends fc.Arbitrary<infer T> ? T : never;

const pairOf = (s: Scene) => (id: number) => ({
  inCampaign: s.joined.includes(id),
  hasRelationship: s.related.includes(id),
});

/**
 * The partners routing offers the lead to, round after round, each declining in turn: what
 * routeOpportunity does, from the partner directory's coverage index through `ineligibility` to
 * `bestCandidate`, until the round limit or the partners run out.
 */
function routingOffers(s: Scene, upTo: number): number[] {
  const index = coverageIndex(s.partners);
  const offered = new Set(s.offered);
  const preference: RoutingPreference = { joinedPartnersFirst: s.joinedPartnersFirst };
  const picks: number[] = [];
  for (let rounds = s.roundsUsed; rounds < s.roundLimit && picks.length < upTo; rounds++) {
    const candidates = coveringFrom(index, s.target as RoutingTarget)
      .map((p) => candidateOf(p, s.target, pairOf(s)(p.id)))
      .filter((c) => ineligibility(c, NOW, offered) === null);
    const best = bestCandidate(candidates, s.weights, WINDOW_MS, preference);
    if (!best) break;
    picks.push(best.candidate.id);
    offered.add(best.candidate.id);
  }
  return picks;
}

function choicesOf(s: Scene) {
  return offerChoices({
    partners: s.partners.map((p) => candidateOf(p, s.target, pairOf(s)(p.id))),
    now: NOW,
    alreadyOffered: new Set(s.offered),
    rounds: { used: s.roundsUsed, limit: s.roundLimit },
    weights: s.weights,
    windowMs: WINDOW_MS,
    preference: { joinedPartnersFirst: s.joinedPartnersFirst },
    runnersUpShown: s.shown,
  });
}

describe('the runners-up and the partners to offer a lead by hand', () => {
  it('the runners-up are exactly the partners routing would offer the lead to next, in its order', () => {
    fc.assert(
      fc.property(scene, (s) => {
        const runnersUp = choicesOf(s).runnersUp.map((r) => r.candidate.id);
        expect(runnersUp).toEqual(routingOffers(s, s.shown));
      }),
      { numRuns: 1_000 },
    );
  });

  it('never names as runner-up a partner routing would skip, nor one already offered the lead', () => {
    fc.assert(
      fc.property(scene, (s) => {
        const offered = new Set(s.offered);
        for (const { candidate } of choicesOf(s).runnersUp) {
          expect(ineligibility(candidate, NOW, offered)).toBeNull();
          expect(skipReasons(candidate, NOW, offered, { used: s.roundsUsed, limit: s.roundLimit })).toEqual(
            [],
          );
          expect(offered.has(candidate.id)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lists every active partner once: eligible in routing’s order, the others with every reason that applies', () => {
    fc.assert(
      fc.property(scene, (s) => {
        const { eligible, skipped } = choicesOf(s);
        const listed = [...eligible.map((e) => e.candidate.id), ...skipped.map((k) => k.candidate.id)];
        const active = s.partners.filter((p) => p.status === 'active').map((p) => p.id);
        expect([...listed].sort((a, b) => a - b)).toEqual(active);
        // With rounds to spare, the eligible list in full is routing's order of offers.
        if (s.roundsUsed < s.roundLimit) {
          const unlimited = { ...s, roundLimit: s.roundsUsed + s.partners.length + 1 };
          expect(eligible.map((e) => e.candidate.id)).toEqual(routingOffers(unlimited, Infinity));
        } else {
          expect(eligible).toEqual([]);
        }
        const offered = new Set(s.offered);
        for (const { candidate, reasons, overridable } of skipped) {
          const expected = [
            candidate.pausedUntil && candidate.pausedUntil > NOW ? 'paused' : null,
            candidate.openLoad >= candidate.maxOpen ? 'at_capacity' : null,
            candidate.coversCountry ? null : 'outside_territory',
            candidate.sellsProductLine ? null : 'product_line_not_sold',
            offered.has(candidate.id) ? 'already_offered' : null,
            s.roundsUsed >= s.roundLimit ? 'round_limit_reached' : null,
          ].filter((r) => r !== null);
          expect(reasons).toEqual(expected);
          expect(overridable).toBe(!offered.has(candidate.id));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('routing’s yes-or-no rule is the first of every reason the manager sees', () => {
    fc.assert(
      fc.property(scene, (s) => {
        const offered = new Set(s.offered);
        for (const p of s.partners) {
          const c = candidateOf(p, s.target, pairOf(s)(p.id));
          const all = skipReasons(c, NOW, offered, { used: 0, limit: 1 });
          expect(ineligibility(c, NOW, offered)).toBe(all[0] ?? null);
        }
      }),
      { numRuns: 300 },
    );
  });
});
