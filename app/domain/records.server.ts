import type { Executor } from '../../db/client';
import type { Tx } from './transaction.server';
import type { OPPORTUNITY_EVENT_KINDS, NOTIFICATION_KINDS, NOTIFICATION_AUDIENCES } from '../../db/schema';
import { notifications, opportunityEvents } from '../../db/schema';

type EventKind = (typeof OPPORTUNITY_EVENT_KINDS)[number];
type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
type Audience = (typeof NOTIFICATION_AUDIENCES)[number];

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
