import { z } from 'zod';
import type { Database } from '../../db/client';
import type { NOTIFICATION_KINDS } from '../../db/enums';
import { rawSql, toDate } from '../domain/sql.server';
import { formatInZone } from './inbox.server';

/**
 * What a channel manager did to a partner's offers and leads that the partner must hear about in
 * the portal as well as by email. The notification rows the loop writes for the partner (audience
 * `partner`) are the notices: one row, written in the transition's own statement, feeds both.
 */
export const PORTAL_NOTICE_KINDS = [
  'offer_extended',
  'lead_taken_back',
] as const satisfies readonly (typeof NOTIFICATION_KINDS)[number][];

/** Older notices are history the inbox and the leads already tell. */
const NOTICE_DAYS = 30;
/** The newest few; marking them read marks everything before them read too. */
const NOTICE_LIMIT = 5;

export interface PartnerNotice {
  id: number;
  /** A whole sentence or two, times in the reader's zone. */
  text: string;
  /** Where to act on it, when there is something left to do. */
  href: string | null;
  hrefLabel: string | null;
}

export interface NoticeReader {
  userId: number;
  partnerId: number;
  timezone: string;
}

/**
 * The reader's unread notices, newest first. Scoped by construction: only rows addressed to the
 * reader's own partner, and only while the reader still belongs to it.
 */
export async function unreadPartnerNotices(
  db: Database,
  reader: NoticeReader,
  now: Date,
): Promise<PartnerNotice[]> {
  const since = new Date(now.getTime() - NOTICE_DAYS * 86_400_000);
  const rows = await rawSql(db)`
    SELECT n.id, n.kind, n.payload, n.created_at, n.opportunity_id, n.offer_id,
           op.need, o.status AS offer_status, o.expires_at
    FROM users u
      JOIN notifications n ON n.partner_id = u.partner_id AND n.id > u.notices_read_through
      LEFT JOIN opportunities op ON op.id = n.opportunity_id
      LEFT JOIN offers o ON o.id = n.offer_id
    WHERE u.id = ${reader.userId} AND u.partner_id = ${reader.partnerId}
      AND n.partner_id = ${reader.partnerId} AND n.audience = 'partner'
      AND n.kind = ANY(${[...PORTAL_NOTICE_KINDS]}::text[])
      AND n.created_at > ${since.toISOString()}::timestamptz
    ORDER BY n.id DESC
    LIMIT ${NOTICE_LIMIT}`;
  return rows.map((row) => noticeOf(row, reader.timezone, now));
}

function noticeOf(row: Record<string, unknown>, timezone: string, now: Date): PartnerNotice {
  const id = Number(row.id);
  const lead = `lead #${String(row.opportunity_id)} (${String(row.need ?? '')})`;
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  if (row.kind === 'offer_extended') {
    const deadline = formatInZone(toDate(payload.expiresAt ?? row.expires_at), timezone);
    const open = row.offer_status === 'pending' && row.expires_at !== null && toDate(row.expires_at) > now;
    return {
      id,
      text: `The vendor gave your company more time to answer the offer of ${lead}: the new deadline is ${deadline}.`,
      href: open ? `/inbox/${String(row.offer_id)}` : null,
      hrefLabel: open ? 'Answer the offer' : null,
    };
  }
  const at = formatInZone(toDate(row.created_at), timezone);
  const reason = typeof payload.reason === 'string' ? payload.reason : '';
  return {
    id,
    text: `The vendor took ${lead} back from your company on ${at}. The lead and its customer record are no longer yours. The channel manager’s reason: “${reason}”`,
    href: null,
    hrefLabel: null,
  };
}

export const markNoticesReadSchema = z.object({
  through: z.coerce
    .number({ error: 'This form has no notice; reload the page.' })
    .int('This form has no notice; reload the page.')
    .positive('This form has no notice; reload the page.')
    .max(Number.MAX_SAFE_INTEGER, 'This form has no notice; reload the page.'),
});

/**
 * Marks the reader's notices read up to `through` (the newest one shown). Never moves back, so
 * an old tab's form cannot bring read notices back, and never past the newest row there is, so a
 * forged number cannot hide notices still to come.
 */
export async function markNoticesRead(
  db: Database,
  reader: Pick<NoticeReader, 'userId'>,
  through: number,
): Promise<void> {
  await rawSql(db)`
    UPDATE users
    SET notices_read_through = greatest(notices_read_through,
          least(${through}::bigint, (SELECT coalesce(max(id), 0) FROM notifications)))
    WHERE id = ${reader.userId}`;
}
