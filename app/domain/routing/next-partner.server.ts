import { eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { partners } from '../../../db/schema';
import { windowMs } from '../offers/deadline';
import { loadRoutingContext } from './routing-context.server';
import { candidatesBestFirst } from './scoring';

/** Where routing would send a lead if it were routed now. */
export type NextInRouting =
  | { kind: 'partner'; partnerId: number; partnerName: string; score: number }
  /** No partner is eligible: routing would mark the lead unroutable. */
  | { kind: 'none_eligible' }
  /** The lead has had as many rounds as the settings allow: it would be marked unroutable. */
  | { kind: 'round_limit'; roundLimit: number };

/**
 * The partner routing would offer this lead to now, by routing's own reading and ranking (the
 * partners that already had an offer for it are out, so the one losing it now is too). A
 * preview only: the pick is made again when the lead is routed, and may differ if a partner
 * filled up or paused meanwhile. Null when there is no such lead.
 */
export async function nextInRouting(
  db: Database,
  opportunityId: number,
  now: Date,
): Promise<NextInRouting | null> {
  const { opportunity, settings, candidates, preference } = await loadRoutingContext(db, opportunityId, now);
  if (!opportunity) return null;
  // One more offer is one more round; routing refuses it at the limit.
  if (opportunity.rounds >= settings.roundLimit)
    return { kind: 'round_limit', roundLimit: settings.roundLimit };
  const first = candidatesBestFirst(candidates, settings.weights, windowMs(settings), preference).next();
  if (first.done) return { kind: 'none_eligible' };
  const partnerId = first.value.candidate.id;
  const [partner] = await db.select({ name: partners.name }).from(partners).where(eq(partners.id, partnerId));
  return {
    kind: 'partner',
    partnerId,
    partnerName: partner?.name ?? `Partner #${partnerId}`,
    score: first.value.score,
  };
}
