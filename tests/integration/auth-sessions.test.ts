import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import type * as Root from '../../app/root';
import type * as QueueRoute from '../../app/routes/queue';
import type * as SignOutRoute from '../../app/routes/sign-out';
import type * as Session from '../../app/utils/session.server';
import { sessions, users } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, setCookies, settle, unwrap } from '../support/auth-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let root: typeof Root;
let queueRoute: typeof QueueRoute;
let signOutRoute: typeof SignOutRoute;
let session: typeof Session;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [root, queueRoute, signOutRoute, session] = await Promise.all([
    import('../../app/root'),
    import('../../app/routes/queue'),
    import('../../app/routes/sign-out'),
    import('../../app/utils/session.server'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

const get = (path: string, cookie: string) =>
  new Request(`http://localhost${path}`, { headers: { Cookie: cookie } });
const loadQueue = async (cookie: string) =>
  unwrap(await settle(() => queueRoute.loader({ request: get('/queue', cookie), params: {}, context: {} })));
const isSentToSignIn = (answer: { status: number; headers: Headers }) =>
  answer.status === 302 && answer.headers.get('Location')!.startsWith('/sign-in');
const sessionRow = async (id: string) =>
  (await database.db.select().from(sessions).where(eq(sessions.id, id)))[0];

describe('signing out', () => {
  it('deletes the session, clears the cookie, and the old cookie no longer opens anything', async () => {
    const manager = await makeUser(database.db);
    const { cookie, session: row } = await sessionCookieFor(database.db, manager.id);
    expect((await loadQueue(cookie)).status).toBe(200);

    const request = formPost('http://localhost/sign-out', { csrf: row.csrfToken }, { Cookie: cookie });
    const answer = unwrap(await settle(() => signOutRoute.action({ request, params: {}, context: {} })));
    expect(answer.status).toBe(302);
    expect(answer.headers.get('Location')).toBe('/sign-in');
    expect(setCookies(answer.headers)).toEqual([
      expect.objectContaining({
        name: 'baton_session',
        value: '',
        attributes: expect.arrayContaining(['max-age=0']),
      }),
    ]);
    expect(await sessionRow(row.id)).toBeUndefined();
    expect(isSentToSignIn(await loadQueue(cookie))).toBe(true);
  });

  it('ends only that session: the same user signed in elsewhere stays signed in', async () => {
    const manager = await makeUser(database.db);
    const laptop = await sessionCookieFor(database.db, manager.id);
    const phone = await sessionCookieFor(database.db, manager.id);
    const request = formPost(
      'http://localhost/sign-out',
      { csrf: laptop.session.csrfToken },
      { Cookie: laptop.cookie },
    );
    await settle(() => signOutRoute.action({ request, params: {}, context: {} }));
    expect(isSentToSignIn(await loadQueue(laptop.cookie))).toBe(true);
    expect((await loadQueue(phone.cookie)).status).toBe(200);
  });
});

describe('a disabled user', () => {
  it('is signed out everywhere at once by disableUser', async () => {
    const manager = await makeUser(database.db);
    const first = await sessionCookieFor(database.db, manager.id);
    const second = await sessionCookieFor(database.db, manager.id);
    await session.disableUser(manager.id, { db: database.db, clock: new ManualClock() });
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, manager.id))).toEqual([]);
    expect(isSentToSignIn(await loadQueue(first.cookie))).toBe(true);
    expect(isSentToSignIn(await loadQueue(second.cookie))).toBe(true);
  });

  it('disabled directly in the database is refused on the next request, and all their sessions go', async () => {
    const manager = await makeUser(database.db);
    const first = await sessionCookieFor(database.db, manager.id);
    await sessionCookieFor(database.db, manager.id);
    await database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, manager.id));
    expect(isSentToSignIn(await loadQueue(first.cookie))).toBe(true);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, manager.id))).toEqual([]);
  });
});

describe('timeouts', () => {
  it('end a session after two hours without a request, sliding with each request', async () => {
    const clock = new ManualClock(Date.parse('2026-04-01T08:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const { token } = await sessionCookieFor(database.db, user.id, clock);

    clock.advance(2 * HOUR_MS - 60_000);
    expect(await session.resolveSessionToken(token, deps)).toMatchObject({ user: { id: user.id } });
    clock.advance(2 * HOUR_MS - 60_000); // 2 h less a minute after the last request: still alive
    expect(await session.resolveSessionToken(token, deps)).not.toBeNull();
    clock.advance(2 * HOUR_MS);
    expect(await session.resolveSessionToken(token, deps)).toBeNull();
    expect(await sessionRow(session.hashSessionToken(token))).toBeUndefined();
  });

  it('end a session twelve hours after sign-in however busy it is', async () => {
    const clock = new ManualClock(Date.parse('2026-04-02T08:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const { token } = await sessionCookieFor(database.db, user.id, clock);
    for (let hour = 1; hour < 12; hour++) {
      clock.advance(HOUR_MS);
      expect(await session.resolveSessionToken(token, deps)).not.toBeNull();
    }
    clock.advance(HOUR_MS - 1);
    expect(await session.resolveSessionToken(token, deps)).not.toBeNull();
    clock.advance(1);
    expect(await session.resolveSessionToken(token, deps)).toBeNull();
  });

  it('write last_seen_at at most once a minute', async () => {
    const clock = new ManualClock(Date.parse('2026-04-03T08:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const { token } = await sessionCookieFor(database.db, user.id, clock);
    const id = session.hashSessionToken(token);
    const start = clock.now();
    clock.advance(30_000);
    await session.resolveSessionToken(token, deps);
    expect((await sessionRow(id))!.lastSeenAt).toEqual(start);
    clock.advance(31_000);
    await session.resolveSessionToken(token, deps);
    expect((await sessionRow(id))!.lastSeenAt).toEqual(clock.now());
  });

  it('apply to real requests: a session idle for over two hours is sent to sign in', async () => {
    const manager = await makeUser(database.db);
    const { cookie, session: row } = await sessionCookieFor(database.db, manager.id);
    expect((await loadQueue(cookie)).status).toBe(200);
    await database.db
      .update(sessions)
      .set({ lastSeenAt: new Date(Date.now() - 2 * HOUR_MS - 1000) })
      .where(eq(sessions.id, row.id));
    expect(isSentToSignIn(await loadQueue(cookie))).toBe(true);
  });

  it('apply to real requests: a session past its absolute end is sent to sign in', async () => {
    const manager = await makeUser(database.db);
    const { cookie, session: row } = await sessionCookieFor(database.db, manager.id);
    await database.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.id, row.id));
    expect(isSentToSignIn(await loadQueue(cookie))).toBe(true);
  });
});

describe('the page header (root loader)', () => {
  it('names the signed-in user and carries their session’s CSRF token', async () => {
    const manager = await makeUser(database.db, { name: 'Ines Duarte' });
    const { cookie, session: row } = await sessionCookieFor(database.db, manager.id);
    const { data, headers } = unwrap<{ user: { name: string } | null; csrf: string }>(
      await root.loader({ request: get('/queue', cookie), params: {}, context: {} }),
    );
    expect(data.user).toEqual({ name: 'Ines Duarte', email: manager.email, role: 'channel_manager' });
    expect(data.csrf).toBe(row.csrfToken);
    expect(setCookies(headers)).toEqual([]);
  });

  it('clears a stale session cookie and shows nobody signed in', async () => {
    const { data, headers } = unwrap<{ user: unknown; csrf: string }>(
      await root.loader({ request: get('/queue', 'baton_session=long-gone'), params: {}, context: {} }),
    );
    expect(data.user).toBeNull();
    const cleared = setCookies(headers).find((c) => c.name === 'baton_session');
    expect(cleared?.attributes).toContain('max-age=0');
  });
});
