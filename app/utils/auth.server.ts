import { isIP } from 'node:net';
import type { AppLoadContext } from '@remix-run/node';
import { eq, sql } from 'drizzle-orm';
import { signInAttempts, users } from '../../db/schema';
import { env } from './env.server';
import { hashPassword, verifyPassword } from './password.server';
import { createSession, defaultAuthDeps, type AuthDeps, type UserRole } from './session.server';
import { countHit, currentLock, type CountedKey } from './throttle.server';

/**
 * Failed sign-ins are counted three ways, so that nobody but the account holder can lock the
 * account holder out. The account on one address: a typo-prone user, or a guesser, is stopped
 * there, and a stranger's failures from elsewhere do not count. The address across accounts:
 * one machine guessing at many accounts (higher, since a whole office may share one address
 * behind its NAT). The account across every address: a botnet guessing one account; its lock
 * pauses password sign-in only, and the emailed sign-in link still opens the account.
 */
export const ACCOUNT_ON_ADDRESS_FAILURE_LIMIT = 5;
export const ADDRESS_FAILURE_LIMIT = 20;
export const ACCOUNT_FAILURE_LIMIT = 100;

const normalizedEmail = (email: string) => email.trim().toLowerCase();
export const accountKey = (email: string) => `email:${normalizedEmail(email)}`;
export const addressKey = (address: string) => `ip:${address}`;
export const accountOnAddressKey = (email: string, address: string) =>
  `email-ip:${normalizedEmail(email)}|${address}`;
/** Every key of one account's failures: the account-wide key, and the prefix of its per-address keys. */
export const accountKeys = (email: string) => ({
  key: accountKey(email),
  prefix: `email-ip:${normalizedEmail(email)}|`,
});

/** The counters one failed sign-in counts against. */
function failureKeys(email: string, address: string): CountedKey[] {
  return [
    { key: accountOnAddressKey(email, address), limit: ACCOUNT_ON_ADDRESS_FAILURE_LIMIT },
    { key: addressKey(address), limit: ADDRESS_FAILURE_LIMIT },
    { key: accountKey(email), limit: ACCOUNT_FAILURE_LIMIT },
  ];
}

/**
 * The client's address, for throttling. Remix hands loaders and actions a bare Request; the
 * HTTP adapter passes the socket's peer in the load context as `socketAddress`. With no proxy
 * trusted (TRUST_PROXY=0, the default) that peer is the client and X-Forwarded-For is ignored,
 * since any client can write it. With N trusted proxies, each appending the address it was
 * reached from, the client is the Nth entry from the right: the one the outermost trusted proxy
 * wrote (entries further left are the client's own say). Without a socket (the dev server, an
 * in-process test) the address is 'unknown', which still throttles, only more coarsely.
 */
export function clientAddress(
  request: Request,
  context: AppLoadContext | undefined,
  trustedProxies: number = env().TRUST_PROXY,
): string {
  const peer = typeof context?.socketAddress === 'string' ? normalizedAddress(context.socketAddress) : null;
  if (trustedProxies === 0) return peer ?? 'unknown';
  const forwarded = (request.headers.get('X-Forwarded-For') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (forwarded.length === 0) return peer ?? 'unknown';
  const written = forwarded[Math.max(0, forwarded.length - trustedProxies)]!;
  return normalizedAddress(written) ?? peer ?? 'unknown';
}

/** An IP address in one spelling (IPv4-mapped IPv6 as plain IPv4), or null for anything else. */
function normalizedAddress(value: string): string | null {
  const address = value.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
  return isIP(address) ? address : null;
}

export type SignInResult =
  | { ok: true; userId: number; role: UserRole; token: string; expiresAt: Date }
  | { ok: false; reason: 'invalid_credentials' }
  /** `account`: paused for the account everywhere; `address`: from this address only. */
  | { ok: false; reason: 'locked'; retryAt: Date; scope: LockScope };

export type LockScope = 'account' | 'address';

// Verifying against a real hash when the email is unknown keeps the answer time the same, so
// timing does not reveal which addresses have accounts.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hashPassword('not-a-real-password-for-timing'));

/**
 * Checks credentials under the three limits and, on success, opens a session. A locked key is
 * refused before the password is even looked at.
 */
export async function signIn(
  input: { email: string; password: string; clientAddress: string },
  deps: AuthDeps = defaultAuthDeps(),
): Promise<SignInResult> {
  const { db, clock } = deps;
  const keys = failureKeys(input.email, input.clientAddress);
  const locked = await currentLock(
    keys.map((k) => k.key),
    deps,
  );
  if (locked) return lockedAnswer(locked, input.email);

  const [user] = await db
    .select({
      id: users.id,
      role: users.role,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .where(sql`lower(${users.email}) = ${normalizedEmail(input.email)}`);
  const passwordMatches = await verifyPassword(input.password, user?.passwordHash ?? (await decoy()));
  if (!user || !passwordMatches || user.disabledAt) {
    const lockedNow = await countHit(keys, deps);
    return lockedNow ? lockedAnswer(lockedNow, input.email) : { ok: false, reason: 'invalid_credentials' };
  }

  // Only this address's slate for the account is wiped: the address's own count stays (or one
  // valid account would let its holder keep guessing at others from there), and so does the
  // account's count across addresses, which a botnet may be filling.
  await db.delete(signInAttempts).where(eq(signInAttempts.key, keys[0]!.key));
  const { token, session } = await createSession(user.id, { db, clock });
  return { ok: true, userId: user.id, role: user.role, token, expiresAt: session.expiresAt };
}

function lockedAnswer(lock: { key: string; until: Date }, email: string): SignInResult {
  const scope: LockScope = lock.key === accountKey(email) ? 'account' : 'address';
  return { ok: false, reason: 'locked', retryAt: lock.until, scope };
}
