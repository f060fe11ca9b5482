import type { Candidate } from './candidate';
import { NEVER_OVERRIDDEN, skipReasons, type Rounds, type SkipReason } from './eligibility';
import { candidatesBestFirst, type RoutingPreference, type ScoredCandidate } from './scoring';
import type { RoutingWeights } from './settings';

export interface SkippedPartner {
  candidate: Candidate;
  /** Every reason routing skips it, never empty. */
  reasons: SkipReason[];
  /** False when a reason is one no channel manager may override (a second offer to the partner). */
  overridable: boolean;
}

export interface OfferChoices {
  /** The partners routing may offer the lead to now, in the order it would: best first. */
  eligible: ScoredCandidate[];
  /** The other active partners, with why routing skips each. */
  skipped: SkippedPartner[];
  /**
   * Who routing would offer the lead to next, in order, should each decline in turn: the first
   * eligible partners, as many as the lead has rounds left.
   */
  runnersUp: ScoredCandidate[];
}

export interface OfferChoicesInput {
  /** Every partner, each weighed against the lead (see `candidateOf`); inactive ones are left out. */
  partners: readonly Candidate[];
  now: Date;
  alreadyOffered: ReadonlySet<number>;
  rounds: Rounds;
  weights: RoutingWeights;
  windowMs: number;
  preference: RoutingPreference;
  runnersUpShown: number;
}

/**
 * The channel manager's view of a lead's partners, by routing's own rule (`skipReasons`, which
 * `ineligibility` mirrors) and routing's own ranking (`candidatesBestFirst` with the lead's
 * preference), so the page can never name a partner routing would pass over, nor miss one it
 * would pick.
 */
export function offerChoices(input: OfferChoicesInput): OfferChoices {
  const { now, alreadyOffered, rounds } = input;
  const open: Candidate[] = [];
  const skipped: SkippedPartner[] = [];
  for (const partner of input.partners) {
    if (partner.status !== 'active') continue;
    const reasons = skipReasons(partner, now, alreadyOffered, rounds);
    if (reasons.length === 0) open.push(partner);
    else
      skipped.push({
        candidate: partner,
        reasons,
        overridable: !reasons.some((r) => NEVER_OVERRIDDEN.has(r)),
      });
  }
  const eligible = [...candidatesBestFirst(open, input.weights, input.windowMs, input.preference)];
  const roundsLeft = Math.max(0, rounds.limit - rounds.used);
  return {
    eligible,
    skipped,
    runnersUp: eligible.slice(0, Math.min(input.runnersUpShown, roundsLeft)),
  };
}
