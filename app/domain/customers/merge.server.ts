import { and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../../db/client';
import { campaignAccounts, contacts, customers, opportunities, opportunityEvents } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import { inTransaction } from '../transaction.server';

export interface MergeInput {
  /** The record that survives. */
  keepId: number;
  /** The duplicate: its rows move to the survivor and it is marked merged. */
  mergeId: number;
  /** The channel manager merging. */
  userId: number;
}

export interface MergeCounts {
  opportunities: number;
  contacts: number;
  campaignAccounts: number;
  /** Target-account rows dropped because the survivor is already a target of that campaign. */
  campaignAccountsAlreadyThere: number;
}

const refuse = (message: string) => new DomainError('invalid_input', message, 'keepId');

type Pair = { keep: typeof customers.$inferSelect; merge: typeof customers.$inferSelect };

/** The refusals, for the preview and the merge alike. */
function checkPair(input: Pick<MergeInput, 'keepId' | 'mergeId'>, pair: Partial<Pair>): asserts pair is Pair {
  if (input.keepId === input.mergeId) {
    throw refuse('A record cannot be merged into itself; choose the other record to keep.');
  }
  if (!pair.merge) throw notFound('Customer', input.mergeId);
  if (!pair.keep) throw notFound('Customer', input.keepId);
  if (pair.merge.mergedIntoId !== null) {
    throw refuse(
      `Customer #${pair.merge.id} was already merged into #${pair.merge.mergedIntoId}; there is nothing left to merge.`,
    );
  }
  if (pair.keep.mergedIntoId !== null) {
    throw refuse(
      `Customer #${pair.keep.id} was itself merged into #${pair.keep.mergedIntoId}; keep that record instead.`,
    );
  }
}

async function countsOf(db: Executor, input: Pick<MergeInput, 'keepId' | 'mergeId'>): Promise<MergeCounts> {
  const [row] = (await db.execute(sql`
    SELECT
      (SELECT count(*) FROM opportunities WHERE customer_id = ${input.mergeId})::int AS opportunities,
      (SELECT count(*) FROM contacts WHERE customer_id = ${input.mergeId})::int AS contacts,
      (SELECT count(*) FROM campaign_accounts m WHERE m.customer_id = ${input.mergeId}
         AND NOT EXISTS (SELECT 1 FROM campaign_accounts k
                         WHERE k.customer_id = ${input.keepId} AND k.campaign_id = m.campaign_id))::int
        AS campaign_accounts,
      (SELECT count(*) FROM campaign_accounts m WHERE m.customer_id = ${input.mergeId}
         AND EXISTS (SELECT 1 FROM campaign_accounts k
                     WHERE k.customer_id = ${input.keepId} AND k.campaign_id = m.campaign_id))::int
        AS already_there`)) as unknown as {
    opportunities: number;
    contacts: number;
    campaign_accounts: number;
    already_there: number;
  }[];
  return {
    opportunities: row!.opportunities,
    contacts: row!.contacts,
    campaignAccounts: row!.campaign_accounts,
    campaignAccountsAlreadyThere: row!.already_there,
  };
}

/** What a merge would move, without moving it; refuses exactly what `mergeCustomers` refuses. */
export async function previewMerge(
  db: Database,
  input: Pick<MergeInput, 'keepId' | 'mergeId'>,
): Promise<Pair & { counts: MergeCounts }> {
  const rows = await db
    .select()
    .from(customers)
    .where(inArray(customers.id, [input.keepId, input.mergeId]));
  const pair = {
    keep: rows.find((r) => r.id === input.keepId),
    merge: rows.find((r) => r.id === input.mergeId),
  };
  checkPair(input, pair);
  return { ...pair, counts: await countsOf(db, input) };
}

/**
 * Merges a duplicate customer record into the one kept, in one transaction: its opportunities
 * and contacts move to the survivor, its campaign target-account rows too (unless the survivor
 * is already a target of that campaign), and it is marked merged. Contact views stay on the
 * record that was viewed: they are history. Every opportunity of both records gets a
 * `customer_merged` event, so the merge shows in each timeline.
 */
export async function mergeCustomers(db: Database, input: MergeInput, clock: Clock): Promise<MergeCounts> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    // Both rows locked, lower id first, so two merges of the same pair cannot deadlock or
    // both succeed.
    const rows = await tx
      .select()
      .from(customers)
      .where(inArray(customers.id, [input.keepId, input.mergeId]))
      .orderBy(customers.id)
      .for('update');
    const pair = {
      keep: rows.find((r) => r.id === input.keepId),
      merge: rows.find((r) => r.id === input.mergeId),
    };
    checkPair(input, pair);
    const counts = await countsOf(tx, input);

    const affected = await tx
      .select({ id: opportunities.id })
      .from(opportunities)
      .where(inArray(opportunities.customerId, [input.keepId, input.mergeId]));

    // updated_at stays: it is when the lead itself last moved, which routing's checks read.
    await tx
      .update(opportunities)
      .set({ customerId: input.keepId })
      .where(eq(opportunities.customerId, input.mergeId));
    await tx.update(contacts).set({ customerId: input.keepId }).where(eq(contacts.customerId, input.mergeId));
    const keptCampaigns = tx
      .select({ campaignId: campaignAccounts.campaignId })
      .from(campaignAccounts)
      .where(eq(campaignAccounts.customerId, input.keepId));
    await tx
      .update(campaignAccounts)
      .set({ customerId: input.keepId })
      .where(
        and(
          eq(campaignAccounts.customerId, input.mergeId),
          notInArray(campaignAccounts.campaignId, keptCampaigns),
        ),
      );
    await tx.delete(campaignAccounts).where(eq(campaignAccounts.customerId, input.mergeId));

    // Records merged into this one earlier now point at the survivor directly.
    await tx
      .update(customers)
      .set({ mergedIntoId: input.keepId })
      .where(eq(customers.mergedIntoId, input.mergeId));
    const [merged] = await tx
      .update(customers)
      .set({ mergedIntoId: input.keepId, mergedAt: now })
      .where(and(eq(customers.id, input.mergeId), isNull(customers.mergedIntoId)))
      .returning({ id: customers.id });
    if (!merged) throw new Error(`customer ${input.mergeId} changed under its row lock`);

    if (affected.length > 0) {
      await tx.insert(opportunityEvents).values(
        affected.map((o) => ({
          opportunityId: o.id,
          kind: 'customer_merged' as const,
          actorUserId: input.userId,
          detail: { from: input.mergeId, into: input.keepId },
          at: now,
        })),
      );
    }
    return counts;
  });
}
