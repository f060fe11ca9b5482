import { and, count, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { notifications, users } from '../../db/schema';
import { NOTIFICATION_KINDS } from '../../db/enums';

/** Rows per page; the "Next" link carries the last row's id, never an offset. */
export const LOG_PAGE_SIZE = 50;

/** The statuses an email row (audience `user`) goes through; `fanned_out` is for event rows only. */
export const EMAIL_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const EMAIL_STATUS_LABELS: Record<EmailStatus, string> = {
  pending: 'Waiting to be sent',
  sending: 'Being sent',
  sent: 'Sent',
  failed: 'Failed',
  skipped: 'Not sent (no longer relevant)',
};

export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, string> = {
  offer_new: 'New offer',
  offer_reminder: 'Offer reminder',
  offer_expired: 'Offer expired',
  offer_accepted: 'Offer accepted (confirmation)',
  offer_declined: 'Offer declined (confirmation)',
  offer_withdrawn: 'Offer withdrawn',
  opportunity_unroutable: 'Unroutable lead',
  lead_accepted: 'Lead accepted',
  daily_digest: 'Daily digest',
  password_reset: 'Password reset',
  campaign_invitation: 'Campaign invitation',
  registration_submitted: 'Registration to review',
  registration_decided: 'Registration decided',
  sign_in_link: 'Sign-in link',
  offer_extended: 'Deadline extended',
  lead_taken_back: 'Lead taken back',
};

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** The log's query string; every field is optional. */
export const notificationLogQuerySchema = z.object({
  status: z.preprocess(
    blankToUndefined,
    z.enum(EMAIL_STATUSES, { error: 'Choose a status from the list.' }).optional(),
  ),
  kind: z.preprocess(
    blankToUndefined,
    z.enum(NOTIFICATION_KINDS, { error: 'Choose a kind of email from the list.' }).optional(),
  ),
  after: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d{1,15}$/, 'This page link is not valid any more; start again from the first page.')
      .transform(Number)
      .optional(),
  ),
});

export type NotificationLogQuery = z.output<typeof notificationLogQuerySchema>;

/**
 * The emails Baton made, newest first, narrowed by status and kind, from `after` on. Email rows
 * only: the event rows they were fanned out from are bookkeeping, not mail. The counts are the
 * whole log's by status, unfiltered; a null query reads the counts alone.
 */
export async function getNotificationLog(db: Database, query: NotificationLogQuery | null) {
  return db.transaction(
    async (tx) => {
      const countRows = await tx
        .select({ status: notifications.status, n: count() })
        .from(notifications)
        .where(eq(notifications.audience, 'user'))
        .groupBy(notifications.status);
      const counts = Object.fromEntries(EMAIL_STATUSES.map((status) => [status, 0])) as Record<
        EmailStatus,
        number
      >;
      for (const row of countRows) {
        if ((EMAIL_STATUSES as readonly string[]).includes(row.status))
          counts[row.status as EmailStatus] = row.n;
      }
      if (!query) return { counts, rows: [], next: null };

      const conditions: SQL[] = [eq(notifications.audience, 'user')];
      if (query.status) conditions.push(eq(notifications.status, query.status));
      if (query.kind) conditions.push(eq(notifications.kind, query.kind));
      // Walks notifications_log_idx (id, audience = 'user') backwards from the cursor.
      if (query.after !== undefined) conditions.push(lt(notifications.id, query.after));
      const rows = await tx
        .select({
          id: notifications.id,
          kind: notifications.kind,
          status: notifications.status,
          attempts: notifications.attempts,
          lastError: notifications.lastError,
          createdAt: notifications.createdAt,
          sentAt: notifications.sentAt,
          recipientEmail: notifications.recipientEmail,
          recipientName: users.name,
        })
        .from(notifications)
        .leftJoin(users, eq(users.id, notifications.userId))
        .where(and(...conditions))
        .orderBy(desc(notifications.id))
        .limit(LOG_PAGE_SIZE + 1);
      const shown = rows.slice(0, LOG_PAGE_SIZE);
      const last = shown[shown.length - 1];
      return { counts, rows: shown, next: rows.length > LOG_PAGE_SIZE && last ? last.id : null };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export type NotificationLog = Awaited<ReturnType<typeof getNotificationLog>>;
