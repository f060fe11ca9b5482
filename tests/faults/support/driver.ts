import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { BullTimerScheduler } from '../../../app/domain/offers/timer-queue.server';
import { timerJobId } from '../../../app/domain/offers/checkpoints';
import type { Database } from '../../../db/client';
import { postForm, type PostOutcome, type Session } from './web-client';

/**
 * The busy system every scenario starts from, and the ledger of what was done to it.
 *
 * Leads are created and answered through the real web server, as a channel manager and the
 * partners' reps would, and each request goes into the ledger with what the server said.
 *
 * Offers expire within seconds instead of an hour: the processes run on the real clock, and
 * the shortest window the settings allow is one hour, so the driver plays the clock. Once an
 * offer has been made (with its one-hour deadline and its timer in Redis), the driver moves its
 * deadline a few seconds after `offered_at` and moves its timer the way the loop does for a
 * changed deadline (a job under the new deadline's id). It moves only timers that exist: an
 * offer whose timer the app failed to queue keeps none, and only the reconciler can save it.
 */

export type Intent = 'create' | 'accept' | 'decline';
export type Outcome = 'ok' | 'refused' | 'not_delivered' | 'unknown';

export interface LedgerEntry {
  seq: number;
  intent: Intent;
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  status: number | null;
  detail: string;
  /** create: the `need` text that names the lead; its id when the server said. */
  marker?: string;
  opportunityId?: number;
  /** accept / decline */
  offerId?: number;
  partnerId?: number;
  expiresAt?: number;
  /** Sent after the deadline on purpose: must be refused. */
  late?: boolean;
}

export interface DriverOptions {
  db: Database;
  webUrl: () => string;
  manager: Session;
  reps: Map<number, Session>;
  customerIds: number[];
  productLine: string;
  timers: BullTimerScheduler;
  redis: Redis;
  timerKeyPrefix: string;
  seed: number;
  /** Offers get a window of minWindowMs + random(spanWindowMs) after they were made. */
  minWindowMs: number;
  spanWindowMs: number;
  /** Ms between two leads of the steady stream (jittered). */
  createEveryMs: number;
}

export interface DriverStats {
  deadlinesShortened: number;
  /** Offers whose one-hour timer was not in Redis when the driver came to move it. */
  timersMissing: number;
}

/** A small deterministic PRNG, so that a scenario's choices repeat from run to run. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Driver {
  readonly ledger: LedgerEntry[] = [];
  readonly stats: DriverStats = { deadlinesShortened: 0, timersMissing: 0 };
  private readonly inFlight = new Set<number>();
  private readonly planned = new Set<number>();
  private readonly timeouts = new Set<NodeJS.Timeout>();
  private readonly loops: Promise<void>[] = [];
  private readonly random: () => number;
  private seq = 0;
  private answering = true;
  private shortening = true;
  private creating = true;
  /** Burst leads' first offers all get this deadline (ms), set by burst(). */
  private burstDeadline = 0;
  readonly errors: string[] = [];

  constructor(private readonly options: DriverOptions) {
    this.random = mulberry32(options.seed);
  }

  /** Requests the web server has not answered yet. */
  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.loops.push(
      this.loop(
        'creator',
        () => this.createTick(),
        () => this.creating,
      ),
    );
    this.loops.push(
      this.loop(
        'shortener',
        () => this.shortenTick(),
        () => this.shortening,
        250,
      ),
    );
    this.loops.push(
      this.loop(
        'answerer',
        () => this.planTick(),
        () => this.answering,
        250,
      ),
    );
  }

  /** `count` leads at once (`parallel` requests at a time) whose first offers share one deadline. */
  async burst(count: number, parallel: number, deadline: number): Promise<void> {
    this.burstDeadline = deadline;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          next++;
          await this.create('burst');
        }
      }),
    );
  }

  /** Fires `count` creates at once without waiting: requests in flight for a fault to hit. */
  volley(count: number): Promise<unknown> {
    return Promise.all(Array.from({ length: count }, () => this.create('volley')));
  }

  /** Stops creating and answering; deadlines already moved run out on their own. */
  async stopLoad(): Promise<void> {
    this.creating = false;
    this.answering = false;
    for (const t of this.timeouts) clearTimeout(t);
    this.timeouts.clear();
    // Offers made from now on keep their one-hour window: the system comes to rest.
    this.shortening = false;
    await Promise.all(this.loops);
    await this.settleRequests();
  }

  async settleRequests(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await sleep(50);
  }

  private async loop(name: string, tick: () => Promise<void>, on: () => boolean, everyMs?: number) {
    while (on()) {
      try {
        await tick();
      } catch (error) {
        // The fault under test can break the driver's own reads for a moment; note and go on.
        if (this.errors.length < 50) this.errors.push(`${name}: ${(error as Error).message}`);
      }
      await sleep(everyMs ?? this.options.createEveryMs * (0.5 + this.random()));
    }
  }

  private async createTick() {
    await this.create('lead');
  }

  private async create(kind: 'lead' | 'burst' | 'volley') {
    const seq = ++this.seq;
    const customerId = this.options.customerIds[seq % this.options.customerIds.length]!;
    const marker = `${kind} #${seq} of the fault run`;
    await this.request(
      { seq, intent: 'create', marker },
      this.options.manager,
      '/opportunities/new',
      {
        customerMode: 'existing',
        customerId: String(customerId),
        need: marker,
        productLine: this.options.productLine,
        amount: String(10_000 + seq),
        currency: 'EUR',
      },
      (answer, entry) => {
        const match = answer.location ? /^\/opportunities\/(\d+)$/.exec(answer.location) : null;
        if (answer.status >= 300 && answer.status < 400 && match) {
          entry.opportunityId = Number(match[1]);
          return 'ok';
        }
        return answer.status >= 500 ? 'unknown' : 'refused';
      },
    );
  }

  private async answer(offer: PendingOffer, intent: 'accept' | 'decline', late: boolean): Promise<void> {
    const session = this.options.reps.get(offer.partnerId);
    if (!session) return;
    const seq = ++this.seq;
    const fields: Record<string, string> =
      intent === 'accept'
        ? { intent }
        : { intent, reason: 'no_capacity', note: `declined by the driver #${seq}` };
    await this.request(
      {
        seq,
        intent,
        offerId: offer.id,
        partnerId: offer.partnerId,
        opportunityId: offer.opportunityId,
        expiresAt: offer.expiresAt,
        late,
      },
      session,
      `/inbox/${offer.id}`,
      fields,
      (answer) => {
        const wanted = intent === 'accept' ? /^\/leads\/\d+$/ : /^\/inbox$/;
        if (answer.status >= 300 && answer.status < 400 && wanted.test(answer.location ?? '')) return 'ok';
        if (answer.status === 409 || answer.status === 404) return 'refused';
        return answer.status >= 500 ? 'unknown' : 'refused';
      },
    );
  }

  private async request(
    entry: Pick<LedgerEntry, 'seq' | 'intent'> & Partial<LedgerEntry>,
    session: Session,
    path: string,
    fields: Record<string, string>,
    judge: (answer: Extract<PostOutcome, { kind: 'answered' }>, entry: LedgerEntry) => Outcome,
  ) {
    const full: LedgerEntry = {
      startedAt: Date.now(),
      endedAt: 0,
      outcome: 'unknown',
      status: null,
      detail: '',
      ...entry,
    };
    this.inFlight.add(full.seq);
    try {
      const answer = await postForm(this.options.webUrl(), path, session, fields);
      full.endedAt = Date.now();
      if (answer.kind === 'answered') {
        full.status = answer.status;
        full.detail = answer.location ?? '';
        full.outcome = judge(answer, full);
      } else {
        full.outcome = answer.kind;
        full.detail = answer.error;
      }
    } finally {
      this.inFlight.delete(full.seq);
      this.ledger.push(full);
    }
  }

  /** New offers get their short deadline, and their timer follows if the app had queued one. */
  private async shortenTick() {
    const { db, minWindowMs, spanWindowMs } = this.options;
    const burstDeadline = new Date(this.burstDeadline || Date.now()).toISOString();
    const moved = await db.execute<{
      id: number;
      offered_ms: string;
      old_expires_ms: string;
      expires_ms: string;
      reminder_offsets_hours: number[];
    }>(sql`
      WITH due AS (
        SELECT f.id, f.expires_at AS old_expires,
          date_trunc('milliseconds', CASE
            WHEN o.need LIKE 'burst %' AND f.round = 1
              THEN greatest(${burstDeadline}::timestamptz, now() + interval '1 second')
            ELSE greatest(f.offered_at + (${minWindowMs} + random() * ${spanWindowMs}) * interval '1 millisecond',
                          now() + interval '1 second')
          END) AS new_expires
        FROM offers f JOIN opportunities o ON o.id = f.opportunity_id
        WHERE f.status = 'pending' AND f.expires_at > now() + interval '30 minutes'
          AND f.offered_at < now() - interval '1 second'
        ORDER BY f.id
        LIMIT 500
        FOR UPDATE OF f SKIP LOCKED
      )
      UPDATE offers f SET expires_at = due.new_expires
      FROM due WHERE f.id = due.id AND f.status = 'pending'
      RETURNING f.id, f.reminder_offsets_hours,
                (extract(epoch FROM f.offered_at) * 1000)::bigint::text AS offered_ms,
                (extract(epoch FROM due.old_expires) * 1000)::bigint::text AS old_expires_ms,
                (extract(epoch FROM f.expires_at) * 1000)::bigint::text AS expires_ms`);
    const rows = [...moved];
    if (rows.length === 0) return;
    this.stats.deadlinesShortened += rows.length;
    let exists: number[] = rows.map(() => 0);
    try {
      const pipeline = this.options.redis.pipeline();
      for (const row of rows) {
        pipeline.exists(
          `${this.options.timerKeyPrefix}${timerJobId(row.id, new Date(Number(row.old_expires_ms)))}`,
        );
      }
      const results = await withTimeout(pipeline.exec(), 3000);
      exists = (results ?? []).map((r) => (r[1] === 1 ? 1 : 0));
    } catch {
      // Redis is away: no timer can be seen, none is moved; the reconciler restores them.
    }
    const keep = rows.filter((_, i) => exists[i] === 1);
    this.stats.timersMissing += rows.length - keep.length;
    if (keep.length === 0) return;
    await withTimeout(
      this.options.timers.schedule(
        keep.map((row) => ({
          offerId: row.id,
          offeredAt: new Date(Number(row.offered_ms)),
          expiresAt: new Date(Number(row.expires_ms)),
          reminderOffsetsHours: row.reminder_offsets_hours,
        })),
      ),
      3000,
    ).catch(() => {
      // As in the app: a timer that could not be queued is the reconciler's to restore.
    });
  }

  /** Decides once per offer what its partner does: accept, decline, both at once, too late, or nothing. */
  private async planTick() {
    const rows = await this.options.db.execute<{
      id: number;
      opportunity_id: number;
      partner_id: number;
      expires_ms: string;
      burst: boolean;
    }>(sql`
      SELECT f.id, f.opportunity_id, f.partner_id, (extract(epoch FROM f.expires_at) * 1000)::bigint::text AS expires_ms,
             (o.need LIKE 'burst %' AND f.round = 1) AS burst
      FROM offers f JOIN opportunities o ON o.id = f.opportunity_id
      WHERE f.status = 'pending' AND f.expires_at < now() + interval '30 minutes'`);
    for (const row of rows) {
      if (this.planned.has(row.id)) continue;
      this.planned.add(row.id);
      const offer: PendingOffer = {
        id: row.id,
        opportunityId: row.opportunity_id,
        partnerId: row.partner_id,
        expiresAt: Number(row.expires_ms),
      };
      const roll = this.random();
      const now = Date.now();
      const room = offer.expiresAt - 400 - now;
      const onTime = now + 100 + this.random() * Math.max(0, room - 100);
      if (row.burst) {
        // Most of a burst is left to expire together.
        if (room < 200) continue;
        if (roll < 0.15) this.at(onTime, () => this.answer(offer, 'accept', false));
        else if (roll < 0.3) this.at(onTime, () => this.answer(offer, 'decline', false));
        continue;
      }
      if (roll < 0.1) {
        this.at(offer.expiresAt + 200 + this.random() * 600, () => this.answer(offer, 'accept', true));
        continue;
      }
      if (room < 200) continue;
      if (roll < 0.3) this.at(onTime, () => this.answer(offer, 'accept', false));
      else if (roll < 0.6) this.at(onTime, () => this.answer(offer, 'decline', false));
      else if (roll < 0.66) {
        // Accept and decline at the same moment: exactly one may win.
        this.at(onTime, () =>
          Promise.all([this.answer(offer, 'accept', false), this.answer(offer, 'decline', false)]),
        );
      }
    }
  }

  private at(time: number, run: () => Promise<unknown>) {
    if (!this.answering) return;
    const timeout = setTimeout(
      () => {
        this.timeouts.delete(timeout);
        if (this.answering) void run();
      },
      Math.max(0, time - Date.now()),
    );
    this.timeouts.add(timeout);
  }
}

interface PendingOffer {
  id: number;
  opportunityId: number;
  partnerId: number;
  expiresAt: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
