import type { Candidate } from './candidate';
import type { RoutingWeights, WeightKey } from './settings';

/** Each factor's fit in [0, 1] and the points it earned (fit × weight). */
export type ScoreBreakdown = Record<WeightKey, { fit: number; points: number }>;

export interface ScoredCandidate {
  candidate: Candidate;
  score: number;
  breakdown: ScoreBreakdown;
}

const TIER_FIT: Record<Candidate['tier'], number> = {
  platinum: 1,
  gold: 0.75,
  silver: 0.5,
  registered: 0.25,
};

/** Laplace-smoothed rate: a partner with no history starts at one half, not at zero. */
const smoothedRate = (hits: number, total: number) => (hits + 1) / (total + 2);

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function fitOf(partner: Candidate, windowMs: number): Record<WeightKey, number> {
  const answered = partner.offersAnswered;
  const averageResponseMs = answered > 0 ? partner.responseMsTotal / answered : null;
  return {
    territory: partner.homeTerritory ? 1 : 0.5,
    industry: partner.servesIndustry ? 1 : 0,
    segment: partner.servesSegment ? 1 : 0,
    tier: TIER_FIT[partner.tier],
    campaign: partner.inCampaign ? 1 : 0,
    relationship: partner.hasRelationship ? 1 : 0,
    acceptance: smoothedRate(partner.offersAccepted, answered + partner.offersExpired),
    speed: averageResponseMs === null ? 0.5 : Math.max(0, 1 - averageResponseMs / windowMs),
    winRate: smoothedRate(partner.leadsWon, partner.leadsClosed),
  };
}

export function scoreCandidate(
  partner: Candidate,
  weights: RoutingWeights,
  windowMs: number,
): ScoredCandidate {
  const fit = fitOf(partner, windowMs);
  let score = 0;
  const breakdown = {} as ScoreBreakdown;
  for (const key of Object.keys(fit) as WeightKey[]) {
    const points = round4(fit[key] * weights[key]);
    breakdown[key] = { fit: round4(fit[key]), points };
    score += points;
  }
  return { candidate: partner, score: round4(score), breakdown };
}

/** `scoreCandidate(…).score` without the breakdown: the same sum, in the same order. */
function scoreOf(partner: Candidate, weights: RoutingWeights, windowMs: number): number {
  const fit = fitOf(partner, windowMs);
  let score = 0;
  for (const key of Object.keys(fit) as WeightKey[]) score += round4(fit[key] * weights[key]);
  return round4(score);
}

/** Negative when `a` ranks before `b`: see `compareScored`. */
function compareCandidates(aScore: number, a: Candidate, bScore: number, b: Candidate): number {
  if (aScore !== bScore) return bScore - aScore;
  const aLast = a.lastOfferedAt?.getTime() ?? -Infinity;
  const bLast = b.lastOfferedAt?.getTime() ?? -Infinity;
  if (aLast !== bLast) return aLast < bLast ? -1 : 1;
  return a.id - b.id;
}

/**
 * Best first. Equal scores go to the partner offered least recently (never offered first),
 * then to the lower id, so the same inputs always give the same order.
 */
export function compareScored(a: ScoredCandidate, b: ScoredCandidate): number {
  return compareCandidates(a.score, a.candidate, b.score, b.candidate);
}

/** How the opportunity itself orders partners before any score counts. */
export interface RoutingPreference {
  /** The lead's campaign offers to its joined partners before anyone else. */
  joinedPartnersFirst: boolean;
}

/**
 * Which group a partner is offered the lead in: first a partner that already works with the
 * customer (an existing relationship is not competed for: that is what channel conflict is),
 * then, for a campaign that chose it, the campaign's joined partners, then everyone else.
 */
export function preferenceGroup(candidate: Candidate, preference: RoutingPreference): 0 | 1 | 2 {
  if (candidate.hasRelationship) return 0;
  if (preference.joinedPartnersFirst && !candidate.inCampaign) return 2;
  return 1;
}

export function rankCandidates(
  candidates: readonly Candidate[],
  weights: RoutingWeights,
  windowMs: number,
  preference: RoutingPreference = { joinedPartnersFirst: false },
): ScoredCandidate[] {
  return candidates
    .map((c) => ({ scored: scoreCandidate(c, weights, windowMs), group: preferenceGroup(c, preference) }))
    .sort((a, b) => a.group - b.group || compareScored(a.scored, b.scored))
    .map((entry) => entry.scored);
}

/**
 * `rankCandidates(…)[0]` in one pass, with the breakdown built for the winner alone. A lead in a
 * busy country is weighed against hundreds of partners, and ranking all of them (a breakdown of
 * nine objects each, then a sort) was most of routing's own CPU time, for one choice.
 */
export function bestCandidate(
  candidates: readonly Candidate[],
  weights: RoutingWeights,
  windowMs: number,
  preference: RoutingPreference = { joinedPartnersFirst: false },
): ScoredCandidate | undefined {
  let best: Candidate | undefined;
  let bestScore = 0;
  let bestGroup = 3;
  for (const candidate of candidates) {
    const group = preferenceGroup(candidate, preference);
    if (group > bestGroup) continue;
    const score = scoreOf(candidate, weights, windowMs);
    if (best === undefined || group < bestGroup || compareCandidates(score, candidate, bestScore, best) < 0) {
      best = candidate;
      bestScore = score;
      bestGroup = group;
    }
  }
  return best && scoreCandidate(best, weights, windowMs);
}

/**
 * The candidates best first, ranked only as far as the caller reads: nearly every routing
 * decision takes the first, and only a partner that filled up meanwhile sends it further.
 */
export function* candidatesBestFirst(
  candidates: readonly Candidate[],
  weights: RoutingWeights,
  windowMs: number,
  preference: RoutingPreference = { joinedPartnersFirst: false },
): Generator<ScoredCandidate> {
  const first = bestCandidate(candidates, weights, windowMs, preference);
  if (!first) return;
  yield first;
  const rest = rankCandidates(candidates, weights, windowMs, preference);
  for (const scored of rest) if (scored.candidate !== first.candidate) yield scored;
}

const FACTOR_WORDS: Record<WeightKey, (fit: number) => string> = {
  territory: (f) => (f === 1 ? 'the customer is in your home territory' : 'you cover the customer’s country'),
  industry: (f) => (f ? 'you work in the customer’s industry' : 'the industry is outside your listed ones'),
  segment: (f) =>
    f ? 'you serve companies of this size' : 'this company size is outside your listed segments',
  tier: (f) => `your partner tier counts for ${Math.round(f * 100)}%`,
  campaign: (f) =>
    f ? 'you joined the campaign this lead comes from' : 'the lead is not from a campaign you joined',
  relationship: (f) =>
    f ? 'you already work with this customer' : 'no existing relationship with this customer',
  acceptance: (f) => `your acceptance rate counts as ${Math.round(f * 100)}%`,
  speed: (f) => `your response speed counts as ${Math.round(f * 100)}%`,
  winRate: (f) => `your win rate counts as ${Math.round(f * 100)}%`,
};

/** "Why you got this lead", strongest reasons first. */
export function explainBreakdown(breakdown: ScoreBreakdown): string[] {
  return (Object.entries(breakdown) as [WeightKey, { fit: number; points: number }][])
    .sort((a, b) => b[1].points - a[1].points)
    .map(([key, { fit, points }]) => `${FACTOR_WORDS[key](fit)} (+${points})`);
}
