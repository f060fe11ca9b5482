import type { PendingQuery, Row, Sql } from 'postgres';
import type { Executor } from '../../db/client';
import type { NOTIFICATION_AUDIENCES, NOTIFICATION_KINDS, OPPORTUNITY_EVENT_KINDS } from '../../db/enums';
import { notifications, opportunityEvents } from '../../db/schema';
import type { Tx } from './transaction.server';

/**
 * The one home of what every change of a lead writes besides the change itself: its timeline
 * event, its notification (outbox) rows and the partner's counters.
 *
 * The loop's transitions (offer, accept, decline, expire, withdraw, take back, extend, mark
 * unroutable) are one statement each (ADR 003). Each names the rows it changed in a CTE called
 * `moved` and appends `sideEffects(sql, transition, …)`, which adds the CTEs below, so a new
 * effect for every transition (a webhook outbox row, say: ADR 013) is one change here. The rest
 * of Baton writes its events through `recordEvent` / `recordNotifications`, also here.
 *
 * `moved` has one row per changed lead, with the columns `offer_id`, `opportunity_id` and
 * `partner_id` (null where there is none), plus what a transition's effects read: `offered_at`
 * (answers, for the response time), `expires_at` (expiry), `decline_reason` and `decline_note`
 * (decline), `rounds` and `unroutable_reason` (unroutable), the new `expires_at` (extend),
 * `taken_back_at`, `reason` and `stage` (take back).
 */
export type SqlFragment = PendingQuery<Row[]>;

export type EventKind = (typeof OPPORTUNITY_EVENT_KINDS)[number];
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type Audience = (typeof NOTIFICATION_AUDIENCES)[number];

/** The partner columns a transition moves: one unit of load, and its answer counters. */
interface PartnerChange {
  openLoad: -1 | 0;
  answered?: true;
  accepted?: true;
  expired?: true;
  /** Adds the time from offer to answer to the partner's total (the speed figure). */
  responseTime?: true;
}

interface NotificationSpec {
  kind: NotificationKind;
  audience: Audience;
  /** An SQL expression over a `moved` row: the real-world event the message announces, once. */
  dedupe: (sql: Sql) => SqlFragment;
  payload?: (sql: Sql) => SqlFragment;
}

interface TransitionSpec {
  event: EventKind;
  /** The event's detail over a `moved` row, where it follows from the row alone. */
  detail?: (sql: Sql, at: string) => SqlFragment;
  notifications: NotificationSpec[];
  /** Null where the transition's own guard moves the partner (an offer claims capacity). */
  partner: PartnerChange | null;
}

const byOffer = (prefix: string) => (sql: Sql) => sql`${prefix}::text || offer_id`;

export const TRANSITIONS = {
  offered: {
    event: 'offered',
    notifications: [{ kind: 'offer_new', audience: 'partner', dedupe: byOffer('offer-new-') }],
    partner: null,
  },
  accepted: {
    event: 'accepted',
    notifications: [
      { kind: 'offer_accepted', audience: 'partner', dedupe: byOffer('offer-accepted-') },
      { kind: 'lead_accepted', audience: 'channel_managers', dedupe: byOffer('lead-accepted-') },
    ],
    // The offer's capacity unit stays taken: it is now an open lead.
    partner: { openLoad: 0, answered: true, accepted: true, responseTime: true },
  },
  declined: {
    event: 'declined',
    detail: (sql) => sql`jsonb_build_object('reason', decline_reason, 'note', decline_note)`,
    notifications: [
      {
        kind: 'offer_declined',
        audience: 'partner',
        dedupe: byOffer('offer-declined-'),
        payload: (sql) => sql`jsonb_build_object('reason', decline_reason)`,
      },
    ],
    partner: { openLoad: -1, answered: true, responseTime: true },
  },
  expired: {
    event: 'expired',
    // lateMs: how long after the deadline the expiry ran, the figure the deadline goal is about.
    detail: (sql, at) =>
      sql`jsonb_build_object('expiresAt', expires_at,
            'lateMs', round(extract(epoch FROM ${at}::timestamptz - expires_at) * 1000))`,
    notifications: [{ kind: 'offer_expired', audience: 'partner', dedupe: byOffer('offer-expired-') }],
    partner: { openLoad: -1, expired: true },
  },
  withdrawn: {
    event: 'withdrawn',
    notifications: [{ kind: 'offer_withdrawn', audience: 'partner', dedupe: byOffer('offer-withdrawn-') }],
    partner: { openLoad: -1 },
  },
  takenBack: {
    event: 'lead_taken_back',
    // `moved` also has `taken_back_at` and the manager's `reason`: a lead may go back to one
    // partner twice (a registration approved, then offered again), and each time is news.
    notifications: [
      {
        kind: 'lead_taken_back',
        audience: 'partner',
        dedupe: (sql) =>
          sql`'lead-taken-back-' || opportunity_id || '-' || partner_id || '-' || (extract(epoch FROM taken_back_at) * 1000)::bigint`,
        payload: (sql) => sql`jsonb_build_object('reason', reason, 'stage', stage)`,
      },
    ],
    // An open lead holds one unit of the partner's capacity (see partners.open_load).
    partner: { openLoad: -1 },
  },
  deadlineExtended: {
    event: 'deadline_extended',
    // `moved.expires_at` is the new deadline: each extension moves it, so each is told once.
    notifications: [
      {
        kind: 'offer_extended',
        audience: 'partner',
        dedupe: (sql) =>
          sql`'offer-extended-' || offer_id || '-' || (extract(epoch FROM expires_at) * 1000)::bigint`,
        payload: (sql) => sql`jsonb_build_object('expiresAt', expires_at)`,
      },
    ],
    partner: null,
  },
  unroutable: {
    event: 'unroutable',
    notifications: [
      {
        kind: 'opportunity_unroutable',
        audience: 'channel_managers',
        // Once per round: a lead placed by hand and unroutable again is news again.
        dedupe: (sql) => sql`'unroutable-' || opportunity_id || '-' || rounds`,
        payload: (sql) => sql`jsonb_build_object('reason', unroutable_reason)`,
      },
    ],
    partner: null,
  },
} satisfies Record<string, TransitionSpec>;

export type Transition = keyof typeof TRANSITIONS;

export interface SideEffectOptions {
  /** The statement's instant, as ISO text (see sql.server.ts). */
  at: string;
  /** Who made the change; null for the system (timers, routing). */
  actorUserId: number | null;
  /** The event's detail where the transition's spec has none: an SQL expression over `moved`. */
  detail?: SqlFragment;
}

/**
 * The CTEs (each starting with a comma) that write `transition`'s event, notifications and
 * partner counters for every row of `moved`. Partners are locked in id order, as the batch
 * paths need, so that two statements sharing partners queue instead of deadlocking.
 */
export function sideEffects(sql: Sql, transition: Transition, options: SideEffectOptions): SqlFragment {
  const spec: TransitionSpec = TRANSITIONS[transition];
  const { at, actorUserId } = options;
  const detail = options.detail ?? spec.detail?.(sql, at) ?? sql`'{}'::jsonb`;
  const event = sql`
    , effect_event AS (
      INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, actor_user_id, kind, detail, at)
      SELECT opportunity_id, offer_id, partner_id, ${actorUserId}::int, ${spec.event}::text, ${detail}, ${at}::timestamptz
      FROM moved
      RETURNING id, opportunity_id, offer_id, partner_id, kind, at
    )`;
  return sql`${event}${notificationsOf(sql, spec.notifications, at)}${partnerCountersOf(sql, spec.partner, at)}`;
}

function notificationsOf(sql: Sql, specs: NotificationSpec[], at: string): SqlFragment {
  if (specs.length === 0) return sql``;
  const selects = specs.map(
    (n, i) => sql`${i > 0 ? sql`UNION ALL` : sql``}
      SELECT ${n.kind}::text, ${n.audience}::text, partner_id, opportunity_id, offer_id, ${n.dedupe(sql)},
             ${n.payload ? n.payload(sql) : sql`'{}'::jsonb`}, ${at}::timestamptz
      FROM moved`,
  );
  return sql`
    , effect_notification AS (
      INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, payload, created_at)
      ${selects}
      ON CONFLICT (dedupe_key) DO NOTHING
    )`;
}

function partnerCountersOf(sql: Sql, change: PartnerChange | null, at: string): SqlFragment {
  if (!change) return sql``;
  const responseMs = change.responseTime
    ? sql`sum(greatest(0, (extract(epoch FROM ${at}::timestamptz - offered_at) * 1000)::bigint))::bigint`
    : sql`0::bigint`;
  return sql`
    , effect_partner_change AS (
      SELECT partner_id, count(*)::int AS n, ${responseMs} AS response_ms
      FROM moved WHERE partner_id IS NOT NULL GROUP BY partner_id
    ), effect_partner_locked AS (
      SELECT id FROM partners WHERE id IN (SELECT partner_id FROM effect_partner_change)
      ORDER BY id FOR NO KEY UPDATE
    ), effect_partner AS (
      UPDATE partners p SET
        open_load = p.open_load + ${change.openLoad}::int * c.n,
        offers_answered = p.offers_answered + ${change.answered ? 1 : 0}::int * c.n,
        offers_accepted = p.offers_accepted + ${change.accepted ? 1 : 0}::int * c.n,
        offers_expired = p.offers_expired + ${change.expired ? 1 : 0}::int * c.n,
        response_ms_total = p.response_ms_total + c.response_ms
      FROM effect_partner_change c
      WHERE p.id = c.partner_id AND p.id IN (SELECT id FROM effect_partner_locked)
    )`;
}

/**
 * The capacity an offer takes, as CTEs after one named `demand (partner_id, n)`: `claim` has a
 * row per partner that still had room for its `n` offers (and is active, and not paused), each
 * holding them from now on. By hand, a channel manager may go past capacity and pauses, never
 * past an inactive partner.
 */
export function claimCapacity(sql: Sql, options: { at: string; byHand: boolean }): SqlFragment {
  const { at, byHand } = options;
  return sql`
    , claim_locked AS (
      SELECT id FROM partners WHERE id IN (SELECT partner_id FROM demand) ORDER BY id FOR NO KEY UPDATE
    ), claim AS (
      UPDATE partners p SET open_load = p.open_load + d.n, last_offered_at = ${at}::timestamptz
      FROM demand d
      WHERE p.id = d.partner_id AND p.id IN (SELECT id FROM claim_locked) AND p.status = 'active'
        AND (${byHand}::boolean OR (p.open_load + d.n <= p.max_open
             AND (p.paused_until IS NULL OR p.paused_until <= ${at}::timestamptz)))
      RETURNING p.id, d.n
    )`;
}

export interface EventRow {
  opportunityId: number;
  kind: EventKind;
  at: Date;
  offerId?: number | null;
  partnerId?: number | null;
  actorUserId?: number | null;
  detail?: Record<string, unknown>;
}

export interface NotificationRow {
  kind: NotificationKind;
  audience: Audience;
  /** The real-world event this message announces; a second insert for it is ignored. */
  dedupeKey: string;
  createdAt: Date;
  partnerId?: number | null;
  userId?: number | null;
  opportunityId?: number | null;
  offerId?: number | null;
  payload?: Record<string, unknown>;
}

/** An event outside the loop's transitions (created, registered, stage changes, merges). */
export async function recordEvent(tx: Tx | Executor, event: EventRow): Promise<void> {
  await tx.insert(opportunityEvents).values({ ...event, detail: event.detail ?? {} });
}

export async function recordNotifications(tx: Tx | Executor, rows: NotificationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insert(notifications)
    .values(rows.map((r) => ({ ...r, payload: r.payload ?? {} })))
    .onConflictDoNothing({ target: notifications.dedupeKey });
}
