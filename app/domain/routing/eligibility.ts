import type { Candidate } from './candidate';

export type Ineligibility =
  'not_active' | 'paused' | 'at_capacity' | 'outside_territory' | 'product_line_not_sold' | 'already_offered';

/**
 * Why a partner may not be offered this opportunity, or null when it may.
 * The candidate query narrows by the same rules for speed; this is the rule itself.
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
