import type { Database } from '../../db/client';
import { ManualClock } from '../../app/domain/clock';
import type { OfferTimerState } from '../../app/domain/offers/checkpoints';
import type { TimerScheduler } from '../../app/domain/offers/timer-queue.server';
import {
  accept,
  declineAndReroute,
  expireAndReroute,
  extendAndSchedule,
  offerByHandAndSchedule,
  submitOpportunity,
  withdraw,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type { RouteResult } from '../../app/domain/routing/route-opportunity.server';
import { advanceLead } from './advance-lead';
import type { DeclineReason } from './deals';
import type { LeadStage, Script } from './script';

/**
 * Timers belong in Redis, which the seed does not touch: when the worker starts, its
 * reconciler finds every pending offer in Postgres and schedules its checkpoints.
 */
const NO_TIMERS: TimerScheduler = { schedule: async () => {} };

export interface Cast {
  managerId: number;
  /** The partner user who answers that partner's offers. */
  repOf(partnerId: number): number;
}

interface Step {
  at: number;
  run(deps: LoopDeps): Promise<void>;
}

type Offer = { partnerId: number; timer: OfferTimerState };

/**
 * Plays every script through the real routing loop in time order. Each step gets a ManualClock
 * set to its own moment, so a few steps hours apart can run side by side without bending any
 * lead's timeline: an opportunity only ever has one step waiting, so its own steps never overlap.
 */
export async function playScripts(db: Database, scripts: Script[], cast: Cast, concurrency: number) {
  const agenda: Step[] = [];
  const schedule = (at: number, run: Step['run']) => agenda.push({ at, run });
  for (const script of scripts) new Story(script, cast, schedule).begin();

  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let failure: { error: unknown } | null = null;
    // On a failure, start nothing new and report once the steps in flight have finished.
    const settle = () => (failure ? reject(failure.error) : resolve());
    const pump = () => {
      while (!failure && running < concurrency && agenda.length > 0) {
        const step = takeEarliest(agenda);
        running++;
        const deps: LoopDeps = { db, clock: new ManualClock(step.at), timers: NO_TIMERS };
        step
          .run(deps)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            running--;
            if (running === 0 && (failure || agenda.length === 0)) settle();
            else pump();
          });
      }
    };
    if (agenda.length === 0) resolve();
    else pump();
  });
}

function takeEarliest(agenda: Step[]): Step {
  let earliest = 0;
  for (let i = 1; i < agenda.length; i++) if (agenda[i]!.at < agenda[earliest]!.at) earliest = i;
  return agenda.splice(earliest, 1)[0]!;
}

class Story {
  private opportunityId = 0;
  private readonly moves;
  private rescued = false;
  constructor(
    private readonly script: Script,
    private readonly cast: Cast,
    private readonly schedule: (at: number, run: Step['run']) => void,
  ) {
    this.moves = [...script.moves];
  }

  begin() {
    this.schedule(this.script.arrivalAt, async (deps) => {
      const { opportunityId, routing } = await submitOpportunity(deps, this.script.input);
      this.opportunityId = opportunityId;
      this.routed(routing, deps.clock.now().getTime());
    });
  }

  private routed(result: RouteResult | null | undefined, now: number) {
    if (result?.kind === 'offered') return this.offered({ partnerId: result.partnerId, timer: result.timer });
    const rescue = this.script.rescue;
    if (result?.kind !== 'unroutable' || !rescue || this.rescued) return;
    this.rescued = true;
    this.schedule(now + rescue.afterMs, async (deps) => {
      const input = {
        opportunityId: this.opportunityId,
        partnerId: rescue.partnerId,
        userId: this.cast.managerId,
        // Nobody covers the country: the manager goes past routing's territory rule, and says why.
        reason: 'No partner covers this country; this one already serves customers nearby.',
      };
      const timer = await offerByHandAndSchedule(deps, input);
      this.offered({ partnerId: rescue.partnerId, timer });
    });
  }

  private offered(offer: Offer) {
    const { offerId, offeredAt } = offer.timer;
    const answer = {
      offerId,
      userId: this.cast.repOf(offer.partnerId),
      scope: { partnerId: offer.partnerId },
    };
    const after = (ms: number, run: Step['run']) => this.schedule(offeredAt.getTime() + ms, run);
    const decline = (afterMs: number, reason: DeclineReason, note: string | null) =>
      after(afterMs, async (deps) => {
        const { next } = await declineAndReroute(deps, { ...answer, reason, note });
        this.routed(next, deps.clock.now().getTime());
      });
    const move = this.moves.shift();
    if (move?.kind === 'decline') return decline(move.afterMs, move.reason, move.note);
    if (move?.kind === 'expire') {
      return this.schedule(offer.timer.expiresAt.getTime() + move.lateMs, async (deps) => {
        const expired = await expireAndReroute(deps, offerId);
        this.routed(expired?.next, deps.clock.now().getTime());
      });
    }
    if (move?.kind === 'reassign') {
      return after(move.afterMs, async (deps) => {
        const { next } = await withdraw(deps, { offerId, userId: this.cast.managerId, reroute: true });
        this.routed(next, deps.clock.now().getTime());
      });
    }
    const finale = this.script.finale;
    if (finale.kind === 'declineAll') return decline(finale.afterMs, 'outside_expertise', null);
    if (finale.kind === 'accept') {
      return after(finale.afterMs, async (deps) => {
        await accept(deps, answer);
        this.progress(finale.stages, deps.clock.now().getTime(), answer.userId);
      });
    }
    if (finale.kind === 'withdraw') {
      return after(finale.afterMs, async (deps) => {
        await withdraw(deps, { offerId, userId: this.cast.managerId, reroute: false });
      });
    }
    if (finale.kind === 'wait' && finale.extendAfterMs !== null) {
      after(finale.extendAfterMs, async (deps) => {
        await extendAndSchedule(deps, { offerId, hours: 24, userId: this.cast.managerId });
      });
    }
  }

  /** The partner works the lead: contacted, proposal, then won or lost. */
  private progress(stages: LeadStage[], from: number, actorUserId: number) {
    const [stage, ...rest] = stages;
    if (!stage) return;
    const at = from + stage.afterMs;
    this.schedule(at, async (deps) => {
      await advanceLead(deps.db, {
        ...stage,
        opportunityId: this.opportunityId,
        at: new Date(at),
        actorUserId,
      });
      this.progress(rest, at, actorUserId);
    });
  }
}
