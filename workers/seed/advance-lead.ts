import type { Database } from '../../db/client';
import { updateLeadStage, type LostReason } from '../../app/domain/leads/lead-progress.server';
import type { LeadStage } from './script';

/**
 * The seed's stories give a lost deal as a sentence; the product records a reason from its fixed
 * list and keeps the sentence as the note. A story added without a reason here stops the seed.
 */
const LOST_REASON_OF: Record<string, LostReason> = {
  'Chose a competitor on price': 'price',
  'Budget frozen until next fiscal year': 'no_budget',
  'Project cancelled after a merger': 'timing',
  'Customer stayed with the incumbent supplier': 'competitor',
  'No decision: the sponsor left the company': 'no_decision',
  'Went with a cloud-native alternative': 'competitor',
};

/**
 * Moves an accepted lead along its sales stages, as a partner working it would: through the same
 * domain function as the portal, at the moment the story says.
 */
export async function advanceLead(
  db: Database,
  input: LeadStage & { opportunityId: number; at: Date; actorUserId: number | null },
): Promise<void> {
  const clock = { now: () => input.at };
  const base = { opportunityId: input.opportunityId, userId: input.actorUserId, stage: input.to };
  if (input.to === 'won') {
    await updateLeadStage(db, { ...base, wonValueMinor: input.wonValueMinor }, clock);
  } else if (input.to === 'lost') {
    const lostReason = LOST_REASON_OF[input.lostReason];
    if (!lostReason) throw new Error(`seed: no lost reason code for "${input.lostReason}"`);
    await updateLeadStage(db, { ...base, lostReason, lostNote: input.lostReason }, clock);
  } else {
    await updateLeadStage(db, base, clock);
  }
}
