import { eq, inArray, sql } from 'drizzle-orm';
import { signInAttempts, users } from '../../db/schema';
import { hashPassword, verifyPassword } from './password.server';
import { createSession, defaultAuthDeps, type AuthDeps, type UserRole } from './session.server';

/** Failures allowed per key inside one window before the key is locked. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Higher per address: a whole office may sign in from one address behind its NAT. */
export const ADDRESS_FAILURE_LIMIT = 20;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** The first lockout; each further one doubles, up to the cap. */
export const FIRST_LOCK_MS = 5 * 60 * 1000;
export const MAX_LOCK_MS = 4 * 60 * 60 * 1000;
/** A key that has been quiet this long starts again from the first lockout. */
const FORGET_LOCKOUTS_AFTER_MS = 24 * 60 * 60 * 1000;

export const lockDurationMs = (previousLockouts: number) =>
  Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.min(previousLockouts, 20));

export const accountKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const addressKey = (address: string) => `ip:${address}`;

/**
 * The client's address for throttling. Remix hands loaders and actions a bare Request, without the
 * socket's remote address, so this reads the first X-Forwarded-For entry that the reverse proxy in
 * front of Baton sets (and must overwrite, not append to: otherwise a client could choose its own
 * key and dodge the per-address limit, though never the per-account one). Without it every
 * request counts as 'unknown', which still throttles, only more coarsely.
 */
export function clientAddress(request: Request): string {
  const first = request.headers.get('X-Forwarded-For')?.split(',')[0]?.trim();
  return first ? first.slice(0, 100) : 'unknown';
}

export type SignInResult =
  | { ok: true; userId: number; role: UserRole; token: string; expiresAt: Date }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'locked'; retryAt: Date };

// Verifying against a real hash when the email is unknown keeps the answer time the same, so
// timing does not reveal which addresses have accounts.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('not-a-real-password-for-timing'));

/**
 * Checks credentials under the per-account and per-address limits and, on success, opens a
 * session. A locked key is refused before the password is even looked at.
 */
export async function signIn(
  input: { email: string; password: string; clientAddress: string },
  deps: AuthDeps = defaultAuthDeps(),
): Promise<SignInResult> {
  const { db, clock } = deps;
  const keys = [accountKey(input.email), addressKey(input.clientAddress)];
  const locked = await lockedUntil(keys, deps);
  if (locked) return { ok: false, reason: 'locked', retryAt: locked };

  const [user] = await db
    .select({
      id: users.id,
      role: users.role,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .where(sql`lower(${users.email}) = ${input.email.trim().toLowerCase()}`);
  const passwordMatches = await verifyPassword(input.password, user?.passwordHash ?? (await decoy()));
  if (!user || !passwordMatches || user.disabledAt) {
    const lockedNow = await recordFailure(keys, deps);
    return lockedNow
      ? { ok: false, reason: 'locked', retryAt: lockedNow }
      : { ok: false, reason: 'invalid_credentials' };
  }

  // The account's slate is wiped; the address's is not, or one valid account would let its
  // holder keep guessing at others from the same address.
  await db.delete(signInAttempts).where(eq(signInAttempts.key, keys[0]!));
  const { token, session } = await createSession(user.id, { db, clock });
  return { ok: true, userId: user.id, role: user.role, token, expiresAt: session.expiresAt };
}

/** The latest lock among the keys still in force, or null. */
async function lockedUntil(keys: string[], { db, clock }: AuthDeps): Promise<Date | null> {
  const rows = await db
    .select({ lockedUntil: signInAttempts.lockedUntil })
    .from(signInAttempts)
    .where(inArray(signInAttempts.key, keys));
  const now = clock.now().getTime();
  const times = rows.flatMap((r) => (r.lockedUntil && r.lockedUntil.getTime() > now ? [r.lockedUntil] : []));
  return times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null;
}

/** Counts one failure against every key; returns the lock it triggered, if any. */
async function recordFailure(keys: string[], { db, clock }: AuthDeps): Promise<Date | null> {
  const now = clock.now();
  return db.transaction(async (tx) => {
    let latestLock: Date | null = null;
    // Sorted, so that two concurrent failures lock the rows in the same order.
    for (const key of [...keys].sort()) {
      await tx
        .insert(signInAttempts)
        .values({ key, failures: 0, windowStartedAt: now })
        .onConflictDoNothing();
      const [row] = await tx.select().from(signInAttempts).where(eq(signInAttempts.key, key)).for('update');
      const sinceWindow = now.getTime() - row!.windowStartedAt.getTime();
      const windowOver = sinceWindow >= FAILURE_WINDOW_MS;
      let failures = windowOver ? 1 : row!.failures + 1;
      let windowStartedAt = windowOver ? now : row!.windowStartedAt;
      let lockouts = sinceWindow >= FORGET_LOCKOUTS_AFTER_MS ? 0 : row!.lockouts;
      let lockedUntil = row!.lockedUntil;
      const limit = key.startsWith('email:') ? ACCOUNT_FAILURE_LIMIT : ADDRESS_FAILURE_LIMIT;
      if (failures >= limit) {
        lockedUntil = new Date(now.getTime() + lockDurationMs(lockouts));
        lockouts += 1;
        failures = 0;
        windowStartedAt = now;
        if (!latestLock || lockedUntil > latestLock) latestLock = lockedUntil;
      }
      await tx
        .update(signInAttempts)
        .set({ failures, windowStartedAt, lockouts, lockedUntil })
        .where(eq(signInAttempts.key, key));
    }
    return latestLock;
  });
}
