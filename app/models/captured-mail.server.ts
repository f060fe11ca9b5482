import { desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { capturedMail } from '../../db/schema';
import { env, mailCaptureOpen } from '../utils/env.server';
import { notFound } from '../utils/route-kit.server';

/** Mails per page of the caught-mail list; "Older mail" carries the last id, never an offset. */
export const CAUGHT_MAIL_PAGE_SIZE = 50;

/** What the demo's SMTP capture caught, newest first, from `before` on (the list: no bodies). */
export async function listCaughtMail(db: Database, { before }: { before?: number } = {}) {
  const rows = await db
    .select({
      id: capturedMail.id,
      subject: capturedMail.subject,
      rcptTo: capturedMail.rcptTo,
      receivedAt: capturedMail.receivedAt,
    })
    .from(capturedMail)
    .where(before === undefined ? undefined : lt(capturedMail.id, before))
    .orderBy(desc(capturedMail.id))
    .limit(CAUGHT_MAIL_PAGE_SIZE + 1);
  const shown = rows.slice(0, CAUGHT_MAIL_PAGE_SIZE);
  const last = shown[shown.length - 1];
  return { rows: shown, next: rows.length > CAUGHT_MAIL_PAGE_SIZE && last ? last.id : null };
}

/** One caught mail with both its parts, or null. */
export async function getCaughtMail(db: Database, mailId: number) {
  const [row] = await db.select().from(capturedMail).where(eq(capturedMail.id, mailId));
  return row ?? null;
}

/**
 * Opens the caught-mail pages: outside production and in the demo only. In production there is
 * no such page at all, whoever asks.
 */
export function requireMailCaptureOpen(): void {
  if (!mailCaptureOpen(env())) {
    throw notFound();
  }
}
