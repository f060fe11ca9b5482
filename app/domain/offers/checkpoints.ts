import { HOUR_MS } from '../clock';

/** What the timer of a pending offer needs to know. */
export interface OfferTimerState {
  offerId: number;
  offeredAt: Date;
  expiresAt: Date;
  reminderOffsetsHours: number[];
}

export type Checkpoint = { kind: 'reminder'; at: Date; hoursBefore: number } | { kind: 'deadline'; at: Date };

/** Reminders that fall after the offer was made, earliest first, then the deadline. */
export function checkpointsOf(offer: OfferTimerState): Checkpoint[] {
  const reminders = [...new Set(offer.reminderOffsetsHours)]
    .map((hoursBefore) => ({
      kind: 'reminder' as const,
      at: new Date(offer.expiresAt.getTime() - hoursBefore * HOUR_MS),
      hoursBefore,
    }))
    .filter((r) => r.at.getTime() > offer.offeredAt.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return [...reminders, { kind: 'deadline', at: offer.expiresAt }];
}

/** The first checkpoint strictly after `now`; the deadline when every one has passed. */
export function nextCheckpoint(offer: OfferTimerState, now: Date): Checkpoint {
  const all = checkpointsOf(offer);
  return all.find((c) => c.at.getTime() > now.getTime()) ?? all[all.length - 1]!;
}

/**
 * The latest reminder already due at `now`, if the deadline is still ahead. After an outage
 * only the most recent one is worth sending: "4 hours left" makes "24 hours left" moot.
 */
export function dueReminder(
  offer: OfferTimerState,
  now: Date,
): Extract<Checkpoint, { kind: 'reminder' }> | null {
  if (offer.expiresAt.getTime() <= now.getTime()) return null;
  let due: Extract<Checkpoint, { kind: 'reminder' }> | null = null;
  for (const c of checkpointsOf(offer)) {
    if (c.kind === 'reminder' && c.at.getTime() <= now.getTime()) due = c;
  }
  return due;
}

/**
 * One BullMQ job id per offer and checkpoint time: re-adding the same checkpoint is a no-op,
 * and an extended deadline gets fresh ids. BullMQ ids may not contain ':' nor be all digits.
 */
export const timerJobId = (offerId: number, at: Date) => `offer-${offerId}-at-${at.getTime()}`;
