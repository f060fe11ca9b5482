import type { Database } from '../../../db/client';
import { iso, rawSql } from '../sql.server';

/**
 * The life of one email row: pending → sending (a lease, so a sender that died is taken over)
 * → sent, with `sent_at` set once; or back to pending with the error while retries remain,
 * `failed` when they ran out, `skipped` when the recipient may no longer read it.
 */

export type Claim =
  | { kind: 'claimed'; attempts: number }
  /** Sent, failed or skipped already, or no such email row: nothing to do. */
  | { kind: 'settled' }
  /** Another sender holds a live lease: try again later. */
  | { kind: 'busy' };

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
  const [row] = await rawSql(db)`SELECT status FROM notifications WHERE id = ${id} AND audience = 'user'`;
  return row?.status === 'sending' ? { kind: 'busy' } : { kind: 'settled' };
}

/** Only the holder of the lease settles the row: a late duplicate cannot overwrite an outcome. */
export async function markEmailSent(db: Database, id: number, now: Date): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'sent', sent_at = ${iso(now)}::timestamptz, lease_until = NULL,
                             last_error = NULL
    WHERE id = ${id} AND status = 'sending'`;
}

export async function markEmailRetry(db: Database, id: number, error: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'pending', lease_until = NULL, last_error = ${error.slice(0, 1000)}
    WHERE id = ${id} AND status = 'sending'`;
}

export async function markEmailFailed(db: Database, id: number, error: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'failed', lease_until = NULL, last_error = ${error.slice(0, 1000)}
    WHERE id = ${id} AND status = 'sending'`;
}

export async function markEmailSkipped(db: Database, id: number, reason: string): Promise<void> {
  await rawSql(db)`
    UPDATE notifications SET status = 'skipped', lease_until = NULL, last_error = ${reason}
    WHERE id = ${id} AND status = 'sending'`;
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
