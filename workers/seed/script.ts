import type { NewOpportunity } from '../../app/domain/opportunities/create-opportunity.server';
import type { DeclineReason } from './deals';

/** What happens to one offer before the lead moves on to the next partner. */
export type Move =
  | { kind: 'decline'; afterMs: number; reason: DeclineReason; note: string | null }
  | { kind: 'expire'; lateMs: number }
  /** A channel manager takes the offer back and routing picks the next partner. */
  | { kind: 'reassign'; afterMs: number };

export type LeadStage =
  | { to: 'contacted' | 'proposal'; afterMs: number }
  | { to: 'won'; afterMs: number; wonValueMinor: number }
  | { to: 'lost'; afterMs: number; lostReason: string };

/** How the story ends, once the moves are used up. */
export type Finale =
  | { kind: 'accept'; afterMs: number; stages: LeadStage[] }
  | { kind: 'withdraw'; afterMs: number }
  /** The offer stays pending: the live part of the demo. */
  | { kind: 'wait'; extendAfterMs: number | null }
  /** Every partner offered declines, until no one suitable is left. */
  | { kind: 'declineAll'; afterMs: number };

/** One opportunity's life, planned in advance and played through the real routing loop. */
export interface Script {
  arrivalAt: number;
  input: NewOpportunity;
  moves: Move[];
  /** After coming back unroutable, a channel manager offers it by hand to this partner. */
  rescue: { afterMs: number; partnerId: number } | null;
  finale: Finale;
}
