import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type * as Root from '../../app/root';
import type * as SignInRoute from '../../app/routes/sign-in';
import type * as SignOutRoute from '../../app/routes/sign-out';
import { sessions } from '../../db/schema';
import {
  formPost,
  makeUser,
  sessionCookieFor,
  setCookies,
  settle,
  TEST_PASSWORD,
  unwrap,
} from '../support/auth-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let root: typeof Root;
let signInRoute: typeof SignInRoute;
let signOutRoute: typeof SignOutRoute;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [root, signInRoute, signOutRoute] = await Promise.all([
    import('../../app/root'),
    import('../../app/routes/sign-in'),
    import('../../app/routes/sign-out'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

const sessionsOf = async (userId: number) =>
  database.db.select().from(sessions).where(eq(sessions.userId, userId));

async function signOut(fields: Record<string, string>, headers: Record<string, string>) {
  const request = formPost('http://localhost/sign-out', fields, headers);
  return unwrap<unknown>(await settle(() => signOutRoute.action({ request, params: {}, context: {} })));
}

async function signIn(fields: Record<string, string>, headers: Record<string, string>) {
  const request = formPost('http://localhost/sign-in', fields, headers);
  return unwrap<unknown>(await settle(() => signInRoute.action({ request, params: {}, context: {} })));
}

describe('a signed-in action (sign-out)', () => {
  it('without the CSRF token is refused with 403 and changes nothing', async () => {
    const user = await makeUser(database.db);
    const { cookie } = await sessionCookieFor(database.db, user.id);
    expect((await signOut({}, { Cookie: cookie })).status).toBe(403);
    expect(await sessionsOf(user.id)).toHaveLength(1);
  });

  it('with a wrong token, or another session’s token, is refused with 403 and changes nothing', async () => {
    const user = await makeUser(database.db);
    const other = await makeUser(database.db);
    const { cookie } = await sessionCookieFor(database.db, user.id);
    const { session: otherSession } = await sessionCookieFor(database.db, other.id);
    expect((await signOut({ csrf: 'forged' }, { Cookie: cookie })).status).toBe(403);
    expect((await signOut({ csrf: otherSession.csrfToken }, { Cookie: cookie })).status).toBe(403);
    expect(await sessionsOf(user.id)).toHaveLength(1);
  });

  it('from another origin is refused even with the right token', async () => {
    const user = await makeUser(database.db);
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null']) {
      const answer = await signOut({ csrf: session.csrfToken }, { Cookie: cookie, Origin: origin });
      expect(answer.status).toBe(403);
    }
    expect(await sessionsOf(user.id)).toHaveLength(1);
    // The same request from our own origin goes through.
    const own = await signOut({ csrf: session.csrfToken }, { Cookie: cookie, Origin: 'http://localhost' });
    expect(own.status).toBe(302);
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });
});

describe('the sign-in form (no session yet)', () => {
  it('gets a pre-session token from the root loader, in an HttpOnly SameSite=Lax cookie, that lets it sign in', async () => {
    const user = await makeUser(database.db);
    const page = unwrap<{ csrf: string; user: null }>(
      await root.loader({ request: new Request('http://localhost/sign-in'), params: {}, context: {} }),
    );
    expect(page.data.user).toBeNull();
    const cookie = setCookies(page.headers).find((c) => c.name === 'baton_csrf')!;
    expect(cookie.value).toBe(page.data.csrf);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', 'max-age=3600']),
    );

    const answer = await signIn(
      { csrf: page.data.csrf, email: user.email, password: TEST_PASSWORD },
      { Cookie: `baton_csrf=${cookie.value}` },
    );
    expect(answer.status).toBe(302);
    expect(await sessionsOf(user.id)).toHaveLength(1);
  });

  it('keeps the same pre-session token while the cookie lives', async () => {
    const page = unwrap<{ csrf: string }>(
      await root.loader({
        request: new Request('http://localhost/sign-in', { headers: { Cookie: 'baton_csrf=kept-token' } }),
        params: {},
        context: {},
      }),
    );
    expect(page.data.csrf).toBe('kept-token');
  });

  it('without the cookie, or with a token that does not match it, is refused and signs nobody in', async () => {
    const user = await makeUser(database.db);
    const fields = { email: user.email, password: TEST_PASSWORD };
    expect((await signIn({ ...fields, csrf: 'abc' }, {})).status).toBe(403);
    expect((await signIn({ ...fields, csrf: 'abc' }, { Cookie: 'baton_csrf=xyz' })).status).toBe(403);
    expect((await signIn(fields, { Cookie: 'baton_csrf=xyz' })).status).toBe(403);
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it('posted from another site is refused', async () => {
    const user = await makeUser(database.db);
    const answer = await signIn(
      { csrf: 't', email: user.email, password: TEST_PASSWORD },
      { Cookie: 'baton_csrf=t', Origin: 'https://evil.example' },
    );
    expect(answer.status).toBe(403);
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });
});
