import { users } from '../../db/schema';
import type { Database } from '../../db/client';
import type { Clock } from '../../app/domain/clock';
import { hashPassword } from '../../app/utils/password.server';
import { createSession, sessionCookieName } from '../../app/utils/session.server';

export const TEST_PASSWORD = 'correct horse battery staple';
let cachedHash: Promise<string> | undefined;
let sequence = 0;

/** A user who can sign in with TEST_PASSWORD (hashed once per file: scrypt is slow on purpose). */
export async function makeUser(db: Database, overrides: Partial<typeof users.$inferInsert> = {}) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const n = ++sequence;
  const [row] = await db
    .insert(users)
    .values({
      email: `user-${n}-${Math.random().toString(36).slice(2, 7)}@example.com`,
      name: `User ${n}`,
      role: 'channel_manager',
      passwordHash: await cachedHash,
      ...overrides,
    })
    .returning();
  return row!;
}

/** A Cookie header value carrying a fresh session of the user, as a browser would send it. */
export async function sessionCookieFor(db: Database, userId: number, clock?: Clock) {
  const { token, session } = await createSession(
    userId,
    clock ? { db, clock } : { db, clock: { now: () => new Date() } },
  );
  return { cookie: `${sessionCookieName()}=${token}`, token, session };
}

/** A browser-like form POST. */
export function formPost(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Request {
  return new Request(url, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
}

/** Every Set-Cookie value of a response, parsed into name, value and attributes. */
export function setCookies(headers: Headers | undefined) {
  return (headers?.getSetCookie() ?? []).map((line) => {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const separator = pair!.indexOf('=');
    return {
      line,
      name: pair!.slice(0, separator),
      value: pair!.slice(separator + 1),
      attributes: attributes.map((a) => a.toLowerCase()),
    };
  });
}

/** Runs a loader or action that may throw a Response (redirect, 403, 404) and returns either. */
export async function settle<T>(run: () => Promise<T> | T): Promise<T | Response> {
  try {
    return await run();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** The body, status and headers of what a loader or action gave back, whether `data()`, a Response or plain. */
export function unwrap<T>(result: unknown): { data: T; status: number; headers: Headers } {
  if (result instanceof Response)
    return { data: undefined as T, status: result.status, headers: result.headers };
  if (result && typeof result === 'object' && (result as { type?: string }).type === 'DataWithResponseInit') {
    const { data, init } = result as { data: T; init: ResponseInit | null };
    return { data, status: init?.status ?? 200, headers: new Headers(init?.headers) };
  }
  return { data: result as T, status: 200, headers: new Headers() };
}
