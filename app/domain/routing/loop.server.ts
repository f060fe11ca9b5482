import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { chunk, mapWithConcurrency } from '../concurrency';
import { expireDueOffers } from '../offers/expire-batch.server';
import {
  acceptOffer,
  declineOffer,
  expireOffer,
  withdrawOffer,
  type AnswerInput,
} from '../offers/lifecycle.server';
import type { OfferTimerState } from '../offers/checkpoints';
import { takeLeadBack, type TakeBackInput } from '../offers/take-back.server';
import type { TimerScheduler } from '../offers/timer-queue.server';
import { createOpportunity, type NewOpportunity } from '../opportunities/create-opportunity.server';
import { extendDeadline, offerByHand } from './manager-actions.server';
import { routeBatch } from './route-batch.server';
import { routeOpportunity, type RouteResult } from './route-opportunity.server';

/** What the loop needs from the outside world; the web app and the workers build one each. */
export interface LoopDeps {
  db: Database;
  clock: Clock;
  timers: TimerScheduler;
  log?: (message: string, error: unknown) => void;
}

/**
 * Puts timers in Redis after the transaction has committed. A failure here loses nothing:
 * the offer is in Postgres and the reconciler gives it a timer within one period.
 */
export async function scheduleTimers(deps: LoopDeps, timers: OfferTimerState[]): Promise<void> {
  try {
    await deps.timers.schedule(timers);
  } catch (error) {
    (deps.log ?? console.error)('could not schedule offer timers; the reconciler will', error);
  }
}

export async function routeAndSchedule(deps: LoopDeps, opportunityId: number): Promise<RouteResult> {
  const result = await routeOpportunity(deps.db, opportunityId, deps.clock);
  if (result.kind === 'offered') await scheduleTimers(deps, [result.timer]);
  return result;
}

/** A backlog at once: see `routeBatch`. Timers go to Redis in one round trip. */
export async function routeBatchAndSchedule(
  deps: LoopDeps,
  opportunityIds: number[],
): Promise<RouteResult[]> {
  const results = await routeBatch(deps.db, opportunityIds, deps.clock);
  await scheduleTimers(
    deps,
    results.flatMap((r) => (r.kind === 'offered' ? [r.timer] : [])),
  );
  return results;
}

export async function submitOpportunity(deps: LoopDeps, input: NewOpportunity) {
  const { opportunityId } = await createOpportunity(deps.db, input, deps.clock);
  const routing = await routeAndSchedule(deps, opportunityId);
  return { opportunityId, routing };
}

export const accept = (deps: LoopDeps, input: AnswerInput) => acceptOffer(deps.db, input, deps.clock);

export async function declineAndReroute(
  deps: LoopDeps,
  input: AnswerInput & { reason: unknown; note?: unknown },
) {
  const declined = await declineOffer(deps.db, input, deps.clock);
  const next = await routeAndSchedule(deps, declined.opportunityId);
  return { ...declined, next };
}

/** Null when there was nothing to expire (already answered, or not yet due). */
export async function expireAndReroute(deps: LoopDeps, offerId: number) {
  const expired = await expireOffer(deps.db, offerId, deps.clock);
  if (!expired) return null;
  const next = await routeAndSchedule(deps, expired.opportunityId);
  return { ...expired, next };
}

/** Leads per `routeBatch`, and how many batches one call routes at once. */
const REROUTE_BATCH = 50;
const REROUTE_LANES = 2;

/**
 * Every offer due now, up to `limit` (see `expireDueOffers`), expired in one statement and
 * their leads routed on in batches of 50. Several workers calling this at once split a burst
 * of deadlines between them; an empty `expired` means nothing was due that no one else held.
 */
export async function expireDueAndReroute(
  deps: LoopDeps,
  limit?: number,
  options: { including?: number } = {},
) {
  const expired = await expireDueOffers(deps.db, deps.clock.now(), limit, options);
  const batches = chunk(
    expired.map((e) => e.opportunityId),
    REROUTE_BATCH,
  );
  const next = (
    await mapWithConcurrency(batches, REROUTE_LANES, (ids) => routeBatchAndSchedule(deps, ids))
  ).flat();
  return { expired, next };
}

export async function withdraw(
  deps: LoopDeps,
  input: { offerId: number; userId: number | null; reroute: boolean },
) {
  const withdrawn = await withdrawOffer(deps.db, input, deps.clock);
  const next = input.reroute ? await routeAndSchedule(deps, withdrawn.opportunityId) : null;
  return { ...withdrawn, next };
}

export async function offerByHandAndSchedule(
  deps: LoopDeps,
  input: { opportunityId: number; partnerId: number; userId: number; reason?: unknown },
) {
  const timer = await offerByHand(deps.db, input, deps.clock);
  await scheduleTimers(deps, [timer]);
  return timer;
}

export async function extendAndSchedule(
  deps: LoopDeps,
  input: { offerId: number; hours: number; userId: number },
) {
  const timer = await extendDeadline(deps.db, input, deps.clock);
  await scheduleTimers(deps, [timer]);
  return timer;
}

/** A channel manager takes an accepted lead back from its partner; it is routed on at once. */
export async function takeBackAndReroute(deps: LoopDeps, input: TakeBackInput) {
  const takenBack = await takeLeadBack(deps.db, input, deps.clock);
  const next = await routeAndSchedule(deps, takenBack.opportunityId);
  return { ...takenBack, next };
}
