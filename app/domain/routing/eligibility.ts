import type { Candidate } from './candidate';

export type Ineligibility =
  'not_active' | 'paused' | 'at_capacity' | 'outside_territory' | 'product_line_not_sold' | 'already_offered';

/** Every reason routing may skip a partner for one lead: the partner's own, and the lead's round limit. */
export type SkipReason = Ineligibility | 'round_limit_reached';

/** The lead's rounds: routing makes no offer once `used` reaches `limit`. */
export interface Rounds {
  used: number;
  limit: number;
}

/**
 * Why a partner may not be offered this opportunity, or null when it may.
 * The candidate query narrows by the same rules for speed; this is the rule itself.
 * Routing only asks yes or no, for every partner covering every lead, so this stops at the first
 * reason and allocates nothing; `skipReasons` below gives them all, in the same order (a
 * property test holds the two together).
 */
export function ineligibility(
  partner: Candidate,
  now: Date,
  alreadyOffered: ReadonlySet<number>,
): Ineligibility | null {
  if (partner.status !== 'active') return 'not_active';
  if (partner.pausedUntil && partner.pausedUntil.getTime() > now.getTime()) return 'paused';
  if (partner.openLoad >= partner.maxOpen) return 'at_capacity';
  if (!partner.coversCountry) return 'outside_territory';
  if (!partner.sellsProductLine) return 'product_line_not_sold';
  if (alreadyOffered.has(partner.id)) return 'already_offered';
  return null;
}

/**
 * Every reason routing would skip this partner for the lead now, in `ineligibility`'s order, then
 * the round limit (a lead that used its rounds is offered to no one); empty when routing may
 * offer it the lead.
 */
export function skipReasons(
  partner: Candidate,
  now: Date,
  alreadyOffered: ReadonlySet<number>,
  rounds: Rounds,
): SkipReason[] {
  const reasons: SkipReason[] = [];
  if (partner.status !== 'active') reasons.push('not_active');
  if (partner.pausedUntil && partner.pausedUntil.getTime() > now.getTime()) reasons.push('paused');
  if (partner.openLoad >= partner.maxOpen) reasons.push('at_capacity');
  if (!partner.coversCountry) reasons.push('outside_territory');
  if (!partner.sellsProductLine) reasons.push('product_line_not_sold');
  if (alreadyOffered.has(partner.id)) reasons.push('already_offered');
  if (rounds.used >= rounds.limit) reasons.push('round_limit_reached');
  return reasons;
}

/**
 * What a channel manager may override by hand, with a reason: everything routing skips a partner
 * for except an inactive partner and a second offer to the same partner (a database constraint).
 */
export const NEVER_OVERRIDDEN: ReadonlySet<SkipReason> = new Set<SkipReason>([
  'not_active',
  'already_offered',
]);
