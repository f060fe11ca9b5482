import { and, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { offers } from '../../../db/schema';
import { recordNotifications } from '../side-effects.server';
import type { Checkpoint, OfferTimerState } from './checkpoints';

const timerColumns = {
  offerId: offers.id,
  status: offers.status,
  partnerId: offers.partnerId,
  opportunityId: offers.opportunityId,
  offeredAt: offers.offeredAt,
  expiresAt: offers.expiresAt,
  reminderOffsetsHours: offers.reminderOffsetsHours,
};

export async function loadTimerState(db: Executor, offerId: number) {
  const [row] = await db.select(timerColumns).from(offers).where(eq(offers.id, offerId));
  return row ?? null;
}

/** One page of pending offers in id order, for the reconciler's sweep. */
export async function pendingTimersAfter(
  db: Executor,
  afterId: number,
  limit: number,
): Promise<OfferTimerState[]> {
  return db
    .select({
      offerId: offers.id,
      offeredAt: offers.offeredAt,
      expiresAt: offers.expiresAt,
      reminderOffsetsHours: offers.reminderOffsetsHours,
    })
    .from(offers)
    .where(and(eq(offers.status, 'pending'), gt(offers.id, afterId)))
    .orderBy(asc(offers.id))
    .limit(limit);
}

/** Queues the reminder email; the dedupe key makes a redelivered timer harmless. */
export async function recordReminder(
  tx: Executor,
  offer: { offerId: number; partnerId: number; opportunityId: number; expiresAt: Date },
  reminder: Extract<Checkpoint, { kind: 'reminder' }>,
  now: Date,
): Promise<void> {
  await recordNotifications(tx, [
    {
      kind: 'offer_reminder',
      audience: 'partner',
      partnerId: offer.partnerId,
      opportunityId: offer.opportunityId,
      offerId: offer.offerId,
      dedupeKey: `offer-reminder-${offer.offerId}-${offer.expiresAt.getTime()}-${reminder.hoursBefore}h`,
      createdAt: now,
      payload: { hoursBefore: reminder.hoursBefore, expiresAt: offer.expiresAt.toISOString() },
    },
  ]);
}
