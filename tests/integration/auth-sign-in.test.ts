import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import type * as QueueRoute from '../../app/routes/queue';
import type * as SignInRoute from '../../app/routes/sign-in';
import type * as Auth from '../../app/utils/auth.server';
import type * as Session from '../../app/utils/session.server';
import { sessions, signInAttempts } from '../../db/schema';
import { formPost, makeUser, setCookies, settle, TEST_PASSWORD, unwrap } from '../support/auth-fixtures';
import { makePartner } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let signInRoute: typeof SignInRoute;
let queueRoute: typeof QueueRoute;
let auth: typeof Auth;
let session: typeof Session;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [signInRoute, queueRoute, auth, session] = await Promise.all([
    import('../../app/routes/sign-in'),
    import('../../app/routes/queue'),
    import('../../app/utils/auth.server'),
    import('../../app/utils/session.server'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});
const originalNodeEnv = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = originalNodeEnv;
});

let addressCounter = 0;
/** Each call a different client address, so that only the per-account limit is in play. */
const freshAddress = () => `198.51.100.${++addressCounter}`;

/** Submits the sign-in form as a browser holding a pre-session CSRF cookie would. */
function submitSignIn(
  fields: Record<string, string>,
  { address = freshAddress(), production = false }: { address?: string; production?: boolean } = {},
) {
  const csrfCookie = production ? '__Host-baton_csrf' : 'baton_csrf';
  const request = formPost(
    'http://localhost/sign-in',
    { csrf: 'pre-session-token', ...fields },
    { Cookie: `${csrfCookie}=pre-session-token`, 'X-Forwarded-For': `${address}, 10.0.0.1` },
  );
  return settle(() => signInRoute.action({ request, params: {}, context: {} }));
}

const sessionCount = async (userId: number) =>
  (await database.db.select().from(sessions).where(eq(sessions.userId, userId))).length;

const loadQueueWith = (cookie: string) =>
  settle(() =>
    queueRoute.loader({
      request: new Request('http://localhost/queue', { headers: { Cookie: cookie } }),
      params: {},
      context: {},
    }),
  );

describe('signing in', () => {
  it('with the right password sets an HttpOnly, SameSite=Lax session cookie that opens the queue', async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager' });
    const answer = await submitSignIn({ email: manager.email.toUpperCase(), password: TEST_PASSWORD });
    const { status, headers } = unwrap(answer);
    expect(status).toBe(302);
    expect(headers.get('Location')).toBe('/queue');

    const cookies = setCookies(headers);
    const sessionCookie = cookies.find((c) => c.name === 'baton_session')!;
    expect(sessionCookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionCookie.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    // The browser forgets the cookie when the session's absolute timeout (12 h) would end it.
    const maxAge = Number(sessionCookie.attributes.find((a) => a.startsWith('max-age='))!.slice(8));
    expect(maxAge).toBeGreaterThan(12 * 3600 - 30);
    expect(maxAge).toBeLessThanOrEqual(12 * 3600);
    expect(sessionCookie.attributes).not.toContain('secure');
    // The pre-session CSRF cookie has done its job and is dropped.
    expect(cookies.find((c) => c.name === 'baton_csrf')?.attributes).toContain('max-age=0');

    // Only the token's hash is stored: the table's contents cannot be replayed as cookies.
    const [row] = await database.db.select().from(sessions).where(eq(sessions.userId, manager.id));
    expect(row!.id).toBe(session.hashSessionToken(sessionCookie.value));
    expect(row!.id).not.toContain(sessionCookie.value);

    const queue = unwrap<{ counts: unknown }>(await loadQueueWith(`baton_session=${sessionCookie.value}`));
    expect(queue.status).toBe(200);
    expect(queue.data.counts).toBeDefined();
  });

  it('in production names the cookie __Host-baton_session and marks it Secure', async () => {
    const manager = await makeUser(database.db);
    process.env.NODE_ENV = 'production';
    const { status, headers } = unwrap(
      await submitSignIn({ email: manager.email, password: TEST_PASSWORD }, { production: true }),
    );
    expect(status).toBe(302);
    const cookie = setCookies(headers).find((c) => c.name === '__Host-baton_session')!;
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'secure', 'path=/']),
    );
    expect(cookie.attributes.some((a) => a.startsWith('domain='))).toBe(false);
    expect(setCookies(headers).some((c) => c.name === 'baton_session')).toBe(false);
  });

  it('goes back to the page that asked for sign-in, but never to another site', async () => {
    const manager = await makeUser(database.db);
    const back = unwrap(
      await submitSignIn({ email: manager.email, password: TEST_PASSWORD, redirectTo: '/queue?country=PT' }),
    );
    expect(back.headers.get('Location')).toBe('/queue?country=PT');
    const offsite = unwrap(
      await submitSignIn({ email: manager.email, password: TEST_PASSWORD, redirectTo: '//evil.example/x' }),
    );
    expect(offsite.headers.get('Location')).toBe('/queue');
  });

  it('with a wrong password, an unknown email or a disabled account gives the same message and no session', async () => {
    const rep = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: (await makePartner(database.db)).id,
    });
    const disabled = await makeUser(database.db, { disabledAt: new Date() });
    for (const fields of [
      { email: rep.email, password: 'not the password' },
      { email: 'nobody@example.com', password: TEST_PASSWORD },
      { email: disabled.email, password: TEST_PASSWORD },
    ]) {
      const { status, data, headers } = unwrap<{ formError: string; fieldErrors: object }>(
        await submitSignIn(fields),
      );
      expect(status).toBe(401);
      expect(data.formError).toBe(signInRoute.WRONG_CREDENTIALS);
      expect(data.fieldErrors).toEqual({});
      expect(setCookies(headers).some((c) => c.name === 'baton_session')).toBe(false);
    }
    expect(await sessionCount(rep.id)).toBe(0);
    expect(await sessionCount(disabled.id)).toBe(0);
  });

  it('shows a bad field next to the field and records nothing', async () => {
    const address = freshAddress();
    const { status, data } = unwrap<{ fieldErrors: Record<string, string>; email: string }>(
      await submitSignIn({ email: 'not-an-email', password: '' }, { address }),
    );
    expect(status).toBe(400);
    expect(data.fieldErrors.email).toMatch(/email address such as/);
    expect(data.fieldErrors.password).toBe('Enter your password.');
    expect(data.email).toBe('not-an-email');
    const attempts = await database.db.select().from(signInAttempts);
    expect(attempts.filter((a) => a.key === `ip:${address}` || a.key === 'email:not-an-email')).toEqual([]);
  });
});

describe('repeated failures', () => {
  it('lock the account after five, even for the right password, and say when to try again', async () => {
    const manager = await makeUser(database.db);
    for (let i = 1; i <= 4; i++) {
      expect(unwrap(await submitSignIn({ email: manager.email, password: `guess ${i}` })).status).toBe(401);
    }
    const fifth = unwrap<{ formError: string }>(
      await submitSignIn({ email: manager.email, password: 'guess 5' }),
    );
    expect(fifth.status).toBe(429);
    expect(Number(fifth.headers.get('Retry-After'))).toBeGreaterThan(4 * 60);
    expect(Number(fifth.headers.get('Retry-After'))).toBeLessThanOrEqual(5 * 60);
    expect(fifth.data.formError).toMatch(/try again after \d\d:\d\d UTC \(in about 5 minutes\)/);

    const rightPassword = unwrap<{ formError: string }>(
      await submitSignIn({ email: manager.email, password: TEST_PASSWORD }),
    );
    expect(rightPassword.status).toBe(429);
    expect(await sessionCount(manager.id)).toBe(0);
  });

  it('lock a client address after twenty, whichever accounts it tries', async () => {
    const address = '203.0.113.77';
    const victim = await makeUser(database.db);
    for (let i = 0; i < 19; i++) {
      const answer = unwrap(
        await submitSignIn({ email: `guess-${i}@example.com`, password: 'x' }, { address }),
      );
      expect(answer.status).toBe(401);
    }
    expect(
      unwrap(await submitSignIn({ email: 'guess-20@example.com', password: 'x' }, { address })).status,
    ).toBe(429);
    const fromLockedAddress = unwrap(
      await submitSignIn({ email: victim.email, password: TEST_PASSWORD }, { address }),
    );
    expect(fromLockedAddress.status).toBe(429);
    // The account itself is not locked: from elsewhere, its owner signs in.
    const fromElsewhere = unwrap(await submitSignIn({ email: victim.email, password: TEST_PASSWORD }));
    expect(fromElsewhere.status).toBe(302);
  });

  it('lift when the lock ends, lock again for twice as long, and a success clears the account', async () => {
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const attempt = (password: string) =>
      auth.signIn({ email: user.email, password, clientAddress: freshAddress() }, deps);

    for (let i = 0; i < 4; i++)
      expect(await attempt('wrong')).toEqual({ ok: false, reason: 'invalid_credentials' });
    const firstLock = await attempt('wrong');
    expect(firstLock).toEqual({
      ok: false,
      reason: 'locked',
      retryAt: new Date(clock.now().getTime() + 5 * 60_000),
    });

    clock.advance(5 * 60_000);
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).ok).toBe(false);
    const secondLock = await attempt('wrong');
    expect(secondLock).toEqual({
      ok: false,
      reason: 'locked',
      retryAt: new Date(clock.now().getTime() + 10 * 60_000),
    });

    clock.advance(9 * 60_000);
    expect(await attempt(TEST_PASSWORD)).toMatchObject({ ok: false, reason: 'locked' });
    clock.advance(60_000);
    expect(await attempt(TEST_PASSWORD)).toMatchObject({ ok: true, userId: user.id });
    const left = await database.db
      .select()
      .from(signInAttempts)
      .where(eq(signInAttempts.key, auth.accountKey(user.email)));
    expect(left).toEqual([]);
  });

  it('spread over more than fifteen minutes never lock', async () => {
    const clock = new ManualClock(Date.parse('2026-03-03T09:00:00Z'));
    const user = await makeUser(database.db);
    for (let i = 0; i < 12; i++) {
      const result = await auth.signIn(
        { email: user.email, password: 'wrong', clientAddress: freshAddress() },
        { db: database.db, clock },
      );
      expect(result).toEqual({ ok: false, reason: 'invalid_credentials' });
      clock.advance(4 * 60_000);
    }
  });
});

describe('the client address', () => {
  it('is the first X-Forwarded-For entry, else "unknown"', () => {
    const request = (headers: Record<string, string>) => new Request('http://localhost/', { headers });
    expect(auth.clientAddress(request({ 'X-Forwarded-For': ' 192.0.2.5 , 10.0.0.1' }))).toBe('192.0.2.5');
    expect(auth.clientAddress(request({}))).toBe('unknown');
  });
});
