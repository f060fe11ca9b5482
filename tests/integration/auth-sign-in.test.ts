import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import type * as QueueRoute from '../../app/routes/queue';
import type * as SignInRoute from '../../app/routes/sign-in';
import { signPasswordReset } from '../../app/domain/notifications/signed-tokens';
import type * as Auth from '../../app/utils/auth.server';
import type * as PasswordReset from '../../app/utils/password-reset.server';
import type * as Session from '../../app/utils/session.server';
import { passwordResets, sessions, signInAttempts } from '../../db/schema';
import { formPost, makeUser, setCookies, settle, TEST_PASSWORD, unwrap } from '../support/auth-fixtures';
import { makePartner } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let signInRoute: typeof SignInRoute;
let queueRoute: typeof QueueRoute;
let auth: typeof Auth;
let session: typeof Session;
let passwordReset: typeof PasswordReset;
const SECRET = 'auth-sign-in-test-secret-0123456789abcdef';
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [signInRoute, queueRoute, auth, session, passwordReset] = await Promise.all([
    import('../../app/routes/sign-in'),
    import('../../app/routes/queue'),
    import('../../app/utils/auth.server'),
    import('../../app/utils/session.server'),
    import('../../app/utils/password-reset.server'),
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

/**
 * Submits the sign-in form as a browser holding a pre-session CSRF cookie would, from `address`
 * as the HTTP adapter reports the socket's peer. The X-Forwarded-For it also sends is the
 * client's own say, which no proxy vouches for (TRUST_PROXY is unset): it must change nothing.
 */
function submitSignIn(
  fields: Record<string, string>,
  { address = freshAddress(), production = false }: { address?: string; production?: boolean } = {},
) {
  const csrfCookie = production ? '__Host-baton_csrf' : 'baton_csrf';
  const request = formPost(
    'http://localhost/sign-in',
    { csrf: 'pre-session-token', ...fields },
    { Cookie: `${csrfCookie}=pre-session-token`, 'X-Forwarded-For': freshAddress() },
  );
  return settle(() => signInRoute.action({ request, params: {}, context: { socketAddress: address } }));
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
  it('lock the account on that address after five, even for the right password, and say when to try again', async () => {
    const manager = await makeUser(database.db);
    const address = freshAddress();
    for (let i = 1; i <= 4; i++) {
      expect(
        unwrap(await submitSignIn({ email: manager.email, password: `guess ${i}` }, { address })).status,
      ).toBe(401);
    }
    const fifth = unwrap<{ formError: string }>(
      await submitSignIn({ email: manager.email, password: 'guess 5' }, { address }),
    );
    expect(fifth.status).toBe(429);
    expect(Number(fifth.headers.get('Retry-After'))).toBeGreaterThan(4 * 60);
    expect(Number(fifth.headers.get('Retry-After'))).toBeLessThanOrEqual(5 * 60);
    expect(fifth.data.formError).toMatch(/try again after \d\d:\d\d UTC \(in about 5 minutes\)/);
    expect(fifth.data.formError).toMatch(/or sign in now with a link sent to your email\.$/);

    const rightPassword = unwrap<{ formError: string }>(
      await submitSignIn({ email: manager.email, password: TEST_PASSWORD }, { address }),
    );
    expect(rightPassword.status).toBe(429);
    expect(Number(rightPassword.headers.get('Retry-After'))).toBeLessThanOrEqual(5 * 60);
    expect(await sessionCount(manager.id)).toBe(0);
  });

  it("from a stranger's address never lock the owner out: fifty failures from A, the owner signs in from B", async () => {
    const owner = await makeUser(database.db);
    const stranger = '203.0.113.50';
    const answers: number[] = [];
    for (let i = 0; i < 50; i++) {
      answers.push(
        unwrap(await submitSignIn({ email: owner.email, password: `guess ${i}` }, { address: stranger }))
          .status,
      );
    }
    expect(answers.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(answers.slice(4).every((status) => status === 429)).toBe(true);
    // Once locked, the stranger's tries are refused before being counted against the account.
    const [accountWide] = await database.db
      .select()
      .from(signInAttempts)
      .where(eq(signInAttempts.key, auth.accountKey(owner.email)));
    expect(accountWide!.failures).toBe(5);
    expect(accountWide!.lockedUntil).toBeNull();

    const fromOwner = unwrap(
      await submitSignIn({ email: owner.email, password: TEST_PASSWORD }, { address: '192.0.2.80' }),
    );
    expect(fromOwner.status).toBe(302);
    expect(await sessionCount(owner.id)).toBe(1);
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
    const twentieth = unwrap(
      await submitSignIn({ email: 'guess-20@example.com', password: 'x' }, { address }),
    );
    expect(twentieth.status).toBe(429);
    expect(Number(twentieth.headers.get('Retry-After'))).toBeGreaterThan(4 * 60);
    const fromLockedAddress = unwrap(
      await submitSignIn({ email: victim.email, password: TEST_PASSWORD }, { address }),
    );
    expect(fromLockedAddress.status).toBe(429);
    // The account itself is not locked: from elsewhere, its owner signs in.
    const fromElsewhere = unwrap(await submitSignIn({ email: victim.email, password: TEST_PASSWORD }));
    expect(fromElsewhere.status).toBe(302);
  });

  it('from a hundred addresses pause password sign-in for the account everywhere, and say to use a link', async () => {
    const clock = new ManualClock(Date.parse('2026-03-04T09:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const botnet = (n: number) => `100.64.${Math.floor(n / 250)}.${n % 250}`;
    for (let i = 0; i < auth.ACCOUNT_FAILURE_LIMIT - 1; i++) {
      const result = await auth.signIn(
        { email: user.email, password: 'wrong', clientAddress: botnet(i) },
        deps,
      );
      expect(result).toEqual({ ok: false, reason: 'invalid_credentials' });
    }
    const last = await auth.signIn(
      { email: user.email, password: 'wrong', clientAddress: botnet(auth.ACCOUNT_FAILURE_LIMIT) },
      deps,
    );
    const pause = {
      ok: false,
      reason: 'locked',
      scope: 'account',
      retryAt: new Date(clock.now().getTime() + 5 * 60_000),
    };
    expect(last).toEqual(pause);
    expect(
      await auth.signIn({ email: user.email, password: TEST_PASSWORD, clientAddress: '192.0.2.99' }, deps),
    ).toEqual(pause);
    clock.advance(5 * 60_000);
    expect(
      await auth.signIn({ email: user.email, password: TEST_PASSWORD, clientAddress: '192.0.2.99' }, deps),
    ).toMatchObject({ ok: true, userId: user.id });
  });

  it('name the sign-in link in the answer when the account is paused everywhere', async () => {
    const user = await makeUser(database.db);
    const until = new Date(Date.now() + 30 * 60_000);
    await database.db.insert(signInAttempts).values({
      key: auth.accountKey(user.email),
      failures: 0,
      windowStartedAt: new Date(),
      lockedUntil: until,
      lockouts: 1,
    });
    const answer = unwrap<{ formError: string }>(
      await submitSignIn({ email: user.email, password: TEST_PASSWORD }),
    );
    expect(answer.status).toBe(429);
    const retryAfter = Number(answer.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(29 * 60);
    expect(retryAfter).toBeLessThanOrEqual(30 * 60);
    expect(answer.data.formError).toBe(
      `Password sign-in for this account is paused after many failed attempts from many places: try again after ${until.toISOString().slice(11, 16)} UTC (in about 30 minutes), or sign in now with a link sent to your email.`,
    );
  });

  it('lift when the lock ends, lock again for twice as long, and a success clears the account on that address', async () => {
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const deps = { db: database.db, clock };
    const user = await makeUser(database.db);
    const address = freshAddress();
    const attempt = (password: string) =>
      auth.signIn({ email: user.email, password, clientAddress: address }, deps);

    for (let i = 0; i < 4; i++)
      expect(await attempt('wrong')).toEqual({ ok: false, reason: 'invalid_credentials' });
    const firstLock = await attempt('wrong');
    expect(firstLock).toEqual({
      ok: false,
      reason: 'locked',
      scope: 'address',
      retryAt: new Date(clock.now().getTime() + 5 * 60_000),
    });

    clock.advance(5 * 60_000);
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).ok).toBe(false);
    const secondLock = await attempt('wrong');
    expect(secondLock).toEqual({
      ok: false,
      reason: 'locked',
      scope: 'address',
      retryAt: new Date(clock.now().getTime() + 10 * 60_000),
    });

    clock.advance(9 * 60_000);
    expect(await attempt(TEST_PASSWORD)).toMatchObject({ ok: false, reason: 'locked' });
    clock.advance(60_000);
    expect(await attempt(TEST_PASSWORD)).toMatchObject({ ok: true, userId: user.id });
    const left = await database.db
      .select()
      .from(signInAttempts)
      .where(eq(signInAttempts.key, auth.accountOnAddressKey(user.email, address)));
    expect(left).toEqual([]);
  });

  it("end on every address with a password reset, which proves access to the account's mailbox", async () => {
    const deps = { db: database.db, clock: new ManualClock(Date.now()) };
    const user = await makeUser(database.db);
    const addresses = [freshAddress(), freshAddress()];
    for (const clientAddress of addresses) {
      for (let i = 0; i < auth.ACCOUNT_ON_ADDRESS_FAILURE_LIMIT; i++) {
        await auth.signIn({ email: user.email, password: 'wrong', clientAddress }, deps);
      }
    }
    const keysOfAccount = async () =>
      (await database.db.select({ key: signInAttempts.key }).from(signInAttempts))
        .map((row) => row.key)
        .filter((key) => key.includes(user.email))
        .sort();
    expect(await keysOfAccount()).toEqual(
      [auth.accountKey(user.email), ...addresses.map((a) => auth.accountOnAddressKey(user.email, a))].sort(),
    );

    await passwordReset.requestPasswordReset(deps, user.email);
    const [reset] = await database.db.select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    const token = signPasswordReset(SECRET, {
      resetId: reset!.id,
      userId: user.id,
      expiresAtMs: reset!.expiresAt.getTime(),
    });
    expect(await passwordReset.completePasswordReset(deps, SECRET, token, 'a brand new passphrase 42')).toBe(
      true,
    );
    expect(await keysOfAccount()).toEqual([]);
    expect(
      await auth.signIn(
        { email: user.email, password: 'a brand new passphrase 42', clientAddress: addresses[0]! },
        deps,
      ),
    ).toMatchObject({ ok: true });
  });

  it('spread over more than fifteen minutes never lock', async () => {
    const clock = new ManualClock(Date.parse('2026-03-03T09:00:00Z'));
    const user = await makeUser(database.db);
    const address = freshAddress();
    for (let i = 0; i < 12; i++) {
      const result = await auth.signIn(
        { email: user.email, password: 'wrong', clientAddress: address },
        { db: database.db, clock },
      );
      expect(result).toEqual({ ok: false, reason: 'invalid_credentials' });
      clock.advance(4 * 60_000);
    }
  });
});

describe('the client address', () => {
  const request = (forwardedFor?: string) =>
    new Request('http://localhost/', { headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {} });
  const socket = { socketAddress: '198.51.100.7' };

  it("is the socket's peer, whatever X-Forwarded-For says, while no proxy is trusted", () => {
    expect(auth.clientAddress(request('192.0.2.5'), socket, 0)).toBe('198.51.100.7');
    expect(auth.clientAddress(request(), { socketAddress: '::ffff:198.51.100.8' }, 0)).toBe('198.51.100.8');
    expect(auth.clientAddress(request(), { socketAddress: '2001:DB8::1' }, 0)).toBe('2001:db8::1');
    // No socket: the dev server and in-process tests.
    expect(auth.clientAddress(request('192.0.2.5'), {}, 0)).toBe('unknown');
  });

  it('is the entry the outermost trusted proxy wrote, counting TRUST_PROXY hops from the right', () => {
    const chain = ' 6.6.6.6 , 192.0.2.5, 10.0.0.2 ';
    expect(auth.clientAddress(request(chain), socket, 1)).toBe('10.0.0.2');
    expect(auth.clientAddress(request(chain), socket, 2)).toBe('192.0.2.5');
    // A chain shorter than the hops: its leftmost entry is the furthest any proxy saw.
    expect(auth.clientAddress(request('192.0.2.5'), socket, 3)).toBe('192.0.2.5');
    // No header, or not an address there: the socket's peer.
    expect(auth.clientAddress(request(), socket, 1)).toBe('198.51.100.7');
    expect(auth.clientAddress(request('192.0.2.5, not-an-address'), socket, 1)).toBe('198.51.100.7');
  });
});
