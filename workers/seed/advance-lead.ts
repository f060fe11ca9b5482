import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { opportunities, partners } from '../../db/schema';
import { recordEvent } from '../../app/domain/records.server';
import { inTransaction } from '../../app/domain/transaction.server';
import type { LeadStage } from './script';

const FROM: Record<LeadStage['to'], string[]> = {
  contacted: ['accepted'],
  proposal: ['contacted'],
  won: ['proposal'],
  lost: ['contacted', 'proposal'],
};

/**
 * Moves an accepted lead along its sales stages, as a partner working it would. The domain has
 * no function for this yet, so the seed does what that function must: the status, its timeline
 * event and, on closing, the partner's capacity and win figures, in one transaction.
 */
export async function advanceLead(
  db: Database,
  input: LeadStage & { opportunityId: number; at: Date; actorUserId: number | null },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const [lead] = await tx
      .select({ status: opportunities.status, partnerId: opportunities.acceptedPartnerId })
      .from(opportunities)
      .where(eq(opportunities.id, input.opportunityId))
      .for('update');
    if (!lead || !lead.partnerId || !FROM[input.to].includes(lead.status)) {
      throw new Error(
        `seed: opportunity ${input.opportunityId} cannot go from ${lead?.status} to ${input.to}`,
      );
    }
    const closing = input.to === 'won' || input.to === 'lost';
    await tx
      .update(opportunities)
      .set({
        status: input.to,
        updatedAt: input.at,
        ...(input.to === 'won' ? { wonValueMinor: input.wonValueMinor } : {}),
        ...(input.to === 'lost' ? { lostReason: input.lostReason } : {}),
      })
      .where(eq(opportunities.id, input.opportunityId));
    await recordEvent(tx, {
      opportunityId: input.opportunityId,
      kind: 'status_changed',
      at: input.at,
      partnerId: lead.partnerId,
      actorUserId: input.actorUserId,
      detail: {
        from: lead.status,
        to: input.to,
        ...(input.to === 'won' ? { wonValueMinor: input.wonValueMinor } : {}),
        ...(input.to === 'lost' ? { lostReason: input.lostReason } : {}),
      },
    });
    if (closing) {
      // A closed lead no longer takes one of the partner's capacity units.
      await tx
        .update(partners)
        .set({
          openLoad: sql`${partners.openLoad} - 1`,
          leadsClosed: sql`${partners.leadsClosed} + 1`,
          leadsWon: sql`${partners.leadsWon} + ${input.to === 'won' ? 1 : 0}`,
        })
        .where(eq(partners.id, lead.partnerId));
    }
  });
}
