import { inArray, sql } from 'drizzle-orm';
import { signInAttempts } from '../../db/schema';
import type { AuthDeps } from './session.server';

/**
 * Counters with lockouts, one row per key in `sign_in_attempts`: what sign-in failures and
 * requests for sign-in links are counted in. A key that reaches its limit inside one window is
 * locked; each further lockout of the same key lasts twice as long, up to the cap.
 */

export const WINDOW_MS = 15 * 60 * 1000;
/** The first lockout; each further one doubles, up to the cap. */
export const FIRST_LOCK_MS = 5 * 60 * 1000;
export const MAX_LOCK_MS = 4 * 60 * 60 * 1000;
/** A key that has been quiet this long starts again from the first lockout. */
const FORGET_LOCKOUTS_AFTER_MS = 24 * 60 * 60 * 1000;

export const lockDurationMs = (previousLockouts: number) =>
  Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.min(previousLockouts, 20));

export interface CountedKey {
  key: string;
  /** Hits inside one window that lock the key. */
  limit: number;
}

export interface Lock {
  key: string;
  until: Date;
}

/** The latest lock still in force among the keys, or null. */
export async function currentLock(keys: readonly string[], { db, clock }: AuthDeps): Promise<Lock | null> {
  const rows = await db
    .select({ key: signInAttempts.key, lockedUntil: signInAttempts.lockedUntil })
    .from(signInAttempts)
    .where(inArray(signInAttempts.key, [...keys]));
  const now = clock.now().getTime();
  return latest(
    rows.flatMap((r) =>
      r.lockedUntil && r.lockedUntil.getTime() > now ? [{ key: r.key, until: r.lockedUntil }] : [],
    ),
  );
}

/** Counts one hit against every key; returns the latest lock it triggered, if any. */
export async function countHit(keys: readonly CountedKey[], { db, clock }: AuthDeps): Promise<Lock | null> {
  const now = clock.now();
  return db.transaction(async (tx) => {
    const locks: Lock[] = [];
    // Sorted, so that two concurrent hits lock the rows in the same order.
    for (const { key, limit } of [...keys].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      await tx
        .insert(signInAttempts)
        .values({ key, failures: 0, windowStartedAt: now })
        .onConflictDoNothing();
      const [row] = await tx
        .select()
        .from(signInAttempts)
        .where(sql`${signInAttempts.key} = ${key}`)
        .for('update');
      const sinceWindow = now.getTime() - row!.windowStartedAt.getTime();
      const windowOver = sinceWindow >= WINDOW_MS;
      let failures = windowOver ? 1 : row!.failures + 1;
      let windowStartedAt = windowOver ? now : row!.windowStartedAt;
      let lockouts = sinceWindow >= FORGET_LOCKOUTS_AFTER_MS ? 0 : row!.lockouts;
      let lockedUntil = row!.lockedUntil;
      if (failures >= limit) {
        lockedUntil = new Date(now.getTime() + lockDurationMs(lockouts));
        lockouts += 1;
        failures = 0;
        windowStartedAt = now;
        locks.push({ key, until: lockedUntil });
      }
      await tx
        .update(signInAttempts)
        .set({ failures, windowStartedAt, lockouts, lockedUntil })
        .where(sql`${signInAttempts.key} = ${key}`);
    }
    return latest(locks);
  });
}

/** Whole seconds until the lock ends, at least 1: the value of a 429's Retry-After. */
export const retryAfterSeconds = (until: Date, now: Date) =>
  Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

function latest(locks: Lock[]): Lock | null {
  return locks.reduce<Lock | null>((a, b) => (!a || b.until > a.until ? b : a), null);
}
