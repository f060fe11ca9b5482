import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { sessions, users } from '../../db/schema';
import { type USER_ROLES } from '../../db/enums';
import { systemClock, type Clock } from '../domain/clock';
import { database } from './db.server';

/** A signed-in session ends after this long without a request... */
export const INACTIVITY_TIMEOUT_MS = 2 * 60 * 60 * 1000;
/** ...and in any case this long after sign-in, however busy. */
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, so that reading pages is not a write per request. */
export const TOUCH_INTERVAL_MS = 60 * 1000;

export interface AuthDeps {
  db: Database;
  clock: Clock;
}

/** The web process's database and the real clock; tests pass their own. */
export function defaultAuthDeps(): AuthDeps {
  return { db: database(), clock: systemClock };
}

export type UserRole = (typeof USER_ROLES)[number];

/** What the app knows about the person behind a request; never the password hash. */
export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  partnerId: number | null;
  timezone: string;
}

export interface CurrentSession {
  /** sha256(token), the row's id. */
  id: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  user: SessionUser;
}

const isProduction = () => process.env.NODE_ENV === 'production';

/**
 * `__Host-` makes the browser refuse the cookie unless it is Secure, has Path=/ and no Domain, so
 * neither a sibling subdomain nor a plain-http page can plant or overwrite it. Plain http on
 * localhost cannot hold a Secure cookie, hence the bare name outside production.
 */
export function sessionCookieName(): string {
  return isProduction() ? '__Host-baton_session' : 'baton_session';
}

export function serializeCookie(name: string, value: string, maxAgeSeconds: number): string {
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  parts.push('HttpOnly', 'SameSite=Lax');
  if (isProduction()) parts.push('Secure');
  return parts.join('; ');
}

/** The value of one cookie from the request's Cookie header, or null. */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('Cookie');
  if (!header) return null;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    if (pair.slice(0, separator).trim() === name) {
      const value = pair.slice(separator + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}

export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

/** A fresh session for a user who has just proved who they are; returns the raw token for the cookie. */
export async function createSession(userId: number, deps: AuthDeps = defaultAuthDeps()) {
  const { db, clock } = deps;
  const now = clock.now();
  const token = randomToken();
  const [row] = await db.transaction(async (tx) => {
    // Expired rows of this user are swept here, where the index makes it cheap.
    await tx.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now)));
    return tx
      .insert(sessions)
      .values({
        id: hashSessionToken(token),
        userId,
        csrfToken: randomToken(),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS),
      })
      .returning();
  });
  return { token, session: row! };
}

/** The Set-Cookie value that hands the session token to the browser. */
export function sessionCookie(token: string, expiresAt: Date, now: Date = systemClock.now()): string {
  return serializeCookie(sessionCookieName(), token, (expiresAt.getTime() - now.getTime()) / 1000);
}

/** The Set-Cookie value that makes the browser forget its session cookie. */
export function clearSessionCookie(): string {
  return serializeCookie(sessionCookieName(), '', 0);
}

/**
 * The live session behind a raw token, or null. A session past either timeout, or of a user who
 * has been disabled since, is deleted on the spot (for a disabled user: all of theirs).
 */
export async function resolveSessionToken(
  token: string,
  deps: AuthDeps = defaultAuthDeps(),
): Promise<CurrentSession | null> {
  const { db, clock } = deps;
  const id = hashSessionToken(token);
  const [row] = await db
    .select({
      session: sessions,
      user: {
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        partnerId: users.partnerId,
        timezone: users.timezone,
        disabledAt: users.disabledAt,
      },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id));
  if (!row) return null;
  const now = clock.now().getTime();
  const { session, user } = row;
  if (user.disabledAt) {
    await endSessionsOfUser(user.id, deps);
    return null;
  }
  if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() >= INACTIVITY_TIMEOUT_MS) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  let lastSeenAt = session.lastSeenAt;
  if (now - lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    lastSeenAt = new Date(now);
    await db.update(sessions).set({ lastSeenAt }).where(eq(sessions.id, id));
  }
  const { disabledAt: _disabledAt, ...sessionUser } = user;
  return {
    id,
    csrfToken: session.csrfToken,
    createdAt: session.createdAt,
    lastSeenAt,
    expiresAt: session.expiresAt,
    user: sessionUser,
  };
}

// A loader, its permission check and its CSRF check all ask for the session of one Request:
// one database round trip serves them all.
const resolvedByRequest = new WeakMap<Request, Promise<CurrentSession | null>>();

/** The live session of the request's cookie, or null (no cookie, unknown, timed out, user disabled). */
export function getCurrentSession(request: Request, deps?: AuthDeps): Promise<CurrentSession | null> {
  const cached = resolvedByRequest.get(request);
  if (cached) return cached;
  const token = readCookie(request, sessionCookieName());
  const resolved = token ? resolveSessionToken(token, deps) : Promise.resolve(null);
  resolvedByRequest.set(request, resolved);
  return resolved;
}

/** Ends the request's session, if any; returns the Set-Cookie value that clears the cookie. */
export async function destroySession(request: Request, deps: AuthDeps = defaultAuthDeps()): Promise<string> {
  const token = readCookie(request, sessionCookieName());
  if (token) await deps.db.delete(sessions).where(eq(sessions.id, hashSessionToken(token)));
  resolvedByRequest.set(request, Promise.resolve(null));
  return clearSessionCookie();
}

/** Signs a user out everywhere: their next request, from any browser, is anonymous. */
export async function endSessionsOfUser(userId: number, deps: AuthDeps = defaultAuthDeps()): Promise<void> {
  await deps.db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Disables an account and ends its sessions in one transaction, so no request slips between. */
export async function disableUser(userId: number, deps: AuthDeps = defaultAuthDeps()): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ disabledAt: deps.clock.now() }).where(eq(users.id, userId));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
  });
}
