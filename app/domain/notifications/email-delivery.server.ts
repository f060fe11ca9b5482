import type { Database } from '../../../db/client';
import { iso, rawSql, toDate } from '../sql.server';

/**
 * The life of one email row: pending → sending (a lease, so a sender that died is taken over)
 * → sent, with `sent_at` set once; or back to pending with the error while retries remain,
 * `failed` when they ran out, `skipped` when the recipient may no longer read it.
 */

export type Claim =
  | { kind: 'claimed'; attempts: number }
  /** Sent, failed or skipped already, or no such email row: nothing to do. */
  | { kind: 'settled' }
  /** Another sender holds a live lease: try again once it has run out. */
  | { kind: 'busy'; leaseUntil: Date };

export async function claimEmail(db: Database, id: number, now: Date, leaseMs: number): Promise<Claim> {
  const at = iso(now);
  const [claimed] = await rawSql(db)`
    UPDATE notifications
    SET status = 'sending', attempts = attempts + 1,
        lease_until = ${at}::timestamptz + make_interval(secs => ${leaseMs / 1000})
    WHERE id = ${id} AND audience = 'user'
      AND (status = 'pending' OR (status = 'sending' AND lease_until < ${at}::timestamptz))
    RETURNING attempts`;
  if (claimed) return { kind: 'claimed', attempts: Number(claimed.attempts) };
  const [row] = await rawSql(db)`
    SELECT status, lease_until FROM notifications WHERE id = ${id} AND audience = 'user'`;
  return row?.status === 'sending' && row.lease_until
    ? { kind: 'busy', leaseUntil: toDate(row.lease_until) }
    : { kind: 'settled' };
}

/**
 * The claim a sender holds: the row's attempt number when it claimed it. A sender whose lease
 * ran out (a hung SMTP conversation) and was taken over holds an older attempt, so it settles
 * nothing: its late failure cannot put back to pending a row that the next sender is sending or
 * has sent, which would have it sent again.
 */
export interface EmailLease {
  id: number;
  attempt: number;
}

/** Only the holder of the lease settles the row: a late duplicate cannot overwrite an outcome. */
export async function markEmailSent(db: Database, lease: EmailLease, now: Date): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'sent', sent_at = ${iso(now)}::timestamptz, lease_until = NULL,
                             last_error = NULL
    WHERE id = ${lease.id} AND status = 'sending' AND attempts = ${lease.attempt}`;
}

export async function markEmailRetry(db: Database, lease: EmailLease, error: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'pending', lease_until = NULL, last_error = ${error.slice(0, 1000)}
    WHERE id = ${lease.id} AND status = 'sending' AND attempts = ${lease.attempt}`;
}

export async function markEmailFailed(db: Database, lease: EmailLease, error: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'failed', lease_until = NULL, last_error = ${error.slice(0, 1000)}
    WHERE id = ${lease.id} AND status = 'sending' AND attempts = ${lease.attempt}`;
}

export async function markEmailSkipped(db: Database, lease: EmailLease, reason: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'skipped', lease_until = NULL, last_error = ${reason}
    WHERE id = ${lease.id} AND status = 'sending' AND attempts = ${lease.attempt}`;
}

/** Email rows never tried yet: the relay hands them to the queue as soon as they exist. */
export async function freshEmailIds(db: Database, after: number, limit: number): Promise<number[]> {
  const rows = await rawSql(db)`
    SELECT id FROM notifications
    WHERE status = 'pending' AND audience = 'user' AND attempts = 0 AND id > ${after}
    ORDER BY id LIMIT ${limit}`;
  return rows.map((r) => Number(r.id));
}

/**
 * Every email row not yet settled, including those between retries and those whose sender's
 * lease ran out: what the reconciler puts back in the queue after Redis lost its jobs.
 */
export async function unsettledEmailIds(
  db: Database,
  now: Date,
  after: number,
  limit: number,
): Promise<number[]> {
  const rows = await rawSql(db)`
    SELECT id FROM notifications
    WHERE audience = 'user' AND id > ${after}
      AND (status = 'pending' OR (status = 'sending' AND lease_until < ${iso(now)}::timestamptz))
    ORDER BY id LIMIT ${limit}`;
  return rows.map((r) => Number(r.id));
}
