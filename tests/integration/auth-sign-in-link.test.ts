import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import type * as SignInRoute from '../../app/routes/sign-in';
import type * as SignInLinkRoute from '../../app/routes/sign-in-link';
import type * as SignInLinkTokenRoute from '../../app/routes/sign-in-link.$token';
import type * as Auth from '../../app/utils/auth.server';
import type * as SignInLink from '../../app/utils/sign-in-link.server';
import { notifications, sessions, signInAttempts, signInLinks, users } from '../../db/schema';
import { startWorker, type RunningWorker } from '../../workers/start-worker';
import { formPost, makeUser, setCookies, settle, TEST_PASSWORD, unwrap } from '../support/auth-fixtures';
import { startMailSink, type CaughtMail, type MailSink } from '../support/mail-sink';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * The emailed one-time sign-in link, from the form to the session: the routes as Remix calls
 * them, the real worker composing and sending each email, and a real SMTP server catching it.
 */
const SECRET = 'sign-in-link-test-secret-0123456789abcdef';
const PUBLIC_URL = 'https://partners.baton.test';

let database: TestDatabase;
let sink: MailSink;
let worker: RunningWorker;
let routes: {
  request: typeof SignInLinkRoute;
  token: typeof SignInLinkTokenRoute;
  signIn: typeof SignInRoute;
};
let auth: typeof Auth;
let links: typeof SignInLink;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.APP_SECRET = SECRET;
  sink = await startMailSink();
  worker = await startWorker({
    databaseUrl: database.url,
    redisUrl: inject('redisUrl'),
    prefix: testRedisPrefix(),
    concurrency: 2,
    reconcileEveryMs: 600_000,
    stalledMs: 5000,
    log: () => {},
    email: {
      smtpUrl: sink.url,
      from: 'Baton <baton@baton.local>',
      publicUrl: PUBLIC_URL,
      secret: SECRET,
      retryBaseMs: 100,
      digestHourUtc: (new Date().getUTCHours() + 12) % 24,
      relayEveryMs: 100,
    },
  });
  const [request, token, signIn] = await Promise.all([
    import('../../app/routes/sign-in-link'),
    import('../../app/routes/sign-in-link.$token'),
    import('../../app/routes/sign-in'),
  ]);
  routes = { request, token, signIn };
  auth = await import('../../app/utils/auth.server');
  links = await import('../../app/utils/sign-in-link.server');
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await worker?.emailQueue.obliterate({ force: true }).catch(() => {});
  await worker?.stop();
  await sink?.stop();
  await closeDatabase?.();
  await database?.drop();
});

let addressCounter = 0;
const freshAddress = () => `198.51.100.${++addressCounter}`;
const CSRF = { Cookie: 'baton_csrf=pre-session-token' };

type RequestAnswer = { sent: boolean; message: string | null; formError: string | null; fieldErrors: object };

/** The "Email me a sign-in link" form, posted from `address`. */
const askForLink = (fields: Record<string, string>, address = freshAddress()) =>
  settle(() =>
    routes.request.action({
      request: formPost('http://localhost/sign-in-link', { csrf: 'pre-session-token', ...fields }, CSRF),
      params: {},
      context: { socketAddress: address },
    }),
  ).then((answer) => unwrap<RequestAnswer>(answer));

const openLink = (token: string) =>
  settle(() =>
    routes.token.loader({
      request: new Request(`http://localhost/sign-in-link/${token}`),
      params: { token },
      context: {},
    }),
  ).then((answer) => unwrap<{ state: string; email?: string; message?: string }>(answer));

const pressButton = (token: string, address = freshAddress()) =>
  settle(() =>
    routes.token.action({
      request: formPost(
        `http://localhost/sign-in-link/${token}`,
        { csrf: 'pre-session-token', intent: 'sign-in' },
        CSRF,
      ),
      params: { token },
      context: { socketAddress: address },
    }),
  ).then((answer) => unwrap<{ state: string; message?: string }>(answer));

const signInWithPassword = (email: string, address: string) =>
  settle(() =>
    routes.signIn.action({
      request: formPost(
        'http://localhost/sign-in',
        { csrf: 'pre-session-token', email, password: TEST_PASSWORD },
        CSRF,
      ),
      params: {},
      context: { socketAddress: address },
    }),
  ).then((answer) => unwrap<{ formError: string }>(answer));

const sessionCount = async (userId: number) =>
  (await database.db.select().from(sessions).where(eq(sessions.userId, userId))).length;

/** Waits for the next sign-in link mailed to this address and returns the token in it. */
async function mailedToken(email: string, alreadySeen = 0): Promise<{ token: string; mail: CaughtMail }> {
  const messages = await sink.waitFor(() => sink.to(email).length > alreadySeen);
  const mail = messages.filter((m) => m.to.includes(email))[alreadySeen]!;
  const pattern = new RegExp(`${PUBLIC_URL}/sign-in-link/([A-Za-z0-9._-]+)`);
  const fromText = pattern.exec(mail.text)?.[1];
  expect(fromText).toBeTruthy();
  expect(pattern.exec(mail.html)?.[1]).toBe(fromText);
  return { token: fromText!, mail };
}

describe('the emailed sign-in link', () => {
  it('arrives for an active account, and its page signs in only when its button is pressed', async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager', name: 'Lina Link' });
    const asked = await askForLink({ email: manager.email.toUpperCase(), redirectTo: '/queue?country=PT' });
    expect(asked.status).toBe(200);
    expect(asked.data).toMatchObject({ sent: true, message: routes.request.SIGN_IN_LINK_SENT });

    const { token, mail } = await mailedToken(manager.email);
    expect(mail.subject).toBe('Your Baton sign-in link');
    expect(mail.text).toContain('The link works once, and only until');

    // Opening the link, as a mail scanner would, signs nobody in.
    const page = await openLink(token);
    expect(page.status).toBe(200);
    expect(page.data).toEqual({ state: 'form', email: manager.email });
    expect(page.headers.get('Set-Cookie')).toBeNull();
    expect(await sessionCount(manager.id)).toBe(0);

    // A POST that is not the page's button signs nobody in either, and leaves the link good.
    const bare = unwrap<{ state: string }>(
      await settle(() =>
        routes.token.action({
          request: formPost(`http://localhost/sign-in-link/${token}`, { csrf: 'pre-session-token' }, CSRF),
          params: { token },
          context: {},
        }),
      ),
    );
    expect(bare.status).toBe(400);
    expect(bare.data.state).toBe('press');
    expect(await sessionCount(manager.id)).toBe(0);

    const pressed = await pressButton(token);
    expect(pressed.status).toBe(302);
    expect(pressed.headers.get('Location')).toBe('/queue?country=PT');
    const cookie = setCookies(pressed.headers).find((c) => c.name === 'baton_session')!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax']));
    expect(await sessionCount(manager.id)).toBe(1);

    // Used once: the page and its button refuse it from now on.
    const reopened = await openLink(token);
    expect(reopened.status).toBe(410);
    expect(reopened.data).toEqual({ state: 'problem', message: links.SIGN_IN_LINK_PROBLEM });
    const pressedAgain = await pressButton(token);
    expect(pressedAgain.status).toBe(410);
    expect(pressedAgain.headers.get('Set-Cookie')).toBeNull();
    expect(await sessionCount(manager.id)).toBe(1);
  });

  it('goes to the home page when the page to open is on another site', async () => {
    const manager = await makeUser(database.db);
    await askForLink({ email: manager.email, redirectTo: '//evil.example/x' });
    const { token } = await mailedToken(manager.email);
    const pressed = await pressButton(token);
    expect(pressed.headers.get('Location')).toBe('/queue');
    const loaded = unwrap<{ redirectTo: string }>(
      await routes.request.loader({
        request: new Request('http://localhost/sign-in-link?redirectTo=%2F%2Fevil.example'),
        params: {},
        context: {},
      }),
    );
    expect(loaded.data.redirectTo).toBe('');
  });

  it('refuses a link older than 15 minutes, and one signed with another secret', async () => {
    const user = await makeUser(database.db);
    await askForLink({ email: user.email });
    const { token } = await mailedToken(user.email);
    const later = new ManualClock(Date.now() + links.SIGN_IN_LINK_LIFETIME_MS + 1000);
    expect(await links.checkSignInLink({ db: database.db, clock: later }, SECRET, token)).toBeNull();
    expect(
      await links.signInWithLink({ db: database.db, clock: later }, SECRET, {
        token,
        clientAddress: freshAddress(),
      }),
    ).toEqual({ ok: false });
    const [linkId] = token.split('.');
    for (const forged of [`${linkId}.${'A'.repeat(43)}`, 'nonsense', `${token}x`]) {
      expect((await openLink(forged)).status).toBe(410);
      expect((await pressButton(forged)).status).toBe(410);
    }
    // Still good now, at its real age: only the expiry or the forgery refused it.
    expect((await pressButton(token)).status).toBe(302);
  });

  it('signs in an account whose password sign-in is paused, on this address and everywhere', async () => {
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const address = freshAddress();
    const until = new Date(Date.now() + 60 * 60_000);
    await database.db.insert(signInAttempts).values(
      [auth.accountKey(user.email), auth.accountOnAddressKey(user.email, address)].map((key) => ({
        key,
        failures: 0,
        windowStartedAt: new Date(),
        lockedUntil: until,
        lockouts: 3,
      })),
    );
    const refused = await signInWithPassword(user.email, address);
    expect(refused.status).toBe(429);
    expect(refused.data.formError).toMatch(/sign in now with a link sent to your email/);

    expect((await askForLink({ email: user.email }, address)).status).toBe(200);
    const { token } = await mailedToken(user.email);
    const pressed = await pressButton(token, address);
    expect(pressed.status).toBe(302);
    expect(await sessionCount(user.id)).toBe(1);
    // The owner is back on this address; the account-wide pause, which others caused, runs on.
    const left = await database.db
      .select({ key: signInAttempts.key })
      .from(signInAttempts)
      .where(sql`${signInAttempts.key} like ${`%${user.email}%`}`);
    expect(left.map((r) => r.key)).toContain(auth.accountKey(user.email));
    expect(left.map((r) => r.key)).not.toContain(auth.accountOnAddressKey(user.email, address));
  });

  it('answers the same for an unknown or disabled address, and mails them nothing', async () => {
    const disabled = await makeUser(database.db, { disabledAt: new Date() });
    const active = await makeUser(database.db);
    const unknown = await askForLink({ email: 'nobody-here@example.com' });
    const ofDisabled = await askForLink({ email: disabled.email });
    const known = await askForLink({ email: active.email });
    expect(unknown.status).toBe(200);
    expect(ofDisabled.status).toBe(200);
    expect(unknown.data).toEqual(known.data);
    expect(ofDisabled.data).toEqual(known.data);
    // The active account's email arrives; the others were asked for first and would be there.
    await mailedToken(active.email);
    expect(sink.to('nobody-here@example.com')).toEqual([]);
    expect(sink.to(disabled.email)).toEqual([]);
    const rows = await database.db.select().from(notifications).where(eq(notifications.kind, 'sign_in_link'));
    expect(
      rows.filter((r) => r.userId === disabled.id || r.recipientEmail === 'nobody-here@example.com'),
    ).toEqual([]);
    expect(await database.db.select().from(signInLinks).where(eq(signInLinks.userId, disabled.id))).toEqual(
      [],
    );
  });

  it('stops working once its account is disabled', async () => {
    const user = await makeUser(database.db);
    await askForLink({ email: user.email });
    const { token } = await mailedToken(user.email);
    await database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect((await openLink(token)).status).toBe(410);
    expect((await pressButton(token)).status).toBe(410);
    expect(await sessionCount(user.id)).toBe(0);
  });

  it('uses up every other open link of the account when one signs in', async () => {
    const user = await makeUser(database.db);
    const address = freshAddress();
    await askForLink({ email: user.email }, address);
    const first = await mailedToken(user.email, 0);
    await askForLink({ email: user.email }, address);
    const second = await mailedToken(user.email, 1);
    // A second request leaves the first link good: a stranger asking cannot spoil the owner's.
    expect((await openLink(first.token)).status).toBe(200);
    expect((await pressButton(second.token)).status).toBe(302);
    expect((await pressButton(first.token)).status).toBe(410);
    const open = await database.db.select().from(signInLinks).where(eq(signInLinks.userId, user.id));
    expect(open.every((link) => link.usedAt !== null)).toBe(true);
  });

  it('is limited per account and address with a 429 and its Retry-After, for unknown addresses alike', async () => {
    const user = await makeUser(database.db);
    const address = freshAddress();
    for (let i = 0; i < links.LINKS_PER_ACCOUNT_ON_ADDRESS; i++) {
      expect((await askForLink({ email: user.email }, address)).status).toBe(200);
    }
    const refused = await askForLink({ email: user.email }, address);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(4 * 60);
    expect(retryAfter).toBeLessThanOrEqual(5 * 60);
    expect(refused.data.formError).toMatch(
      /^That address has asked for sign-in links too often\. Ask again after \d\d:\d\d UTC \(in about 5 minutes\); a link already sent still works until it expires\.$/,
    );
    // From elsewhere the owner still gets a link.
    expect((await askForLink({ email: user.email })).status).toBe(200);
    await sink.waitFor(() => sink.to(user.email).length === links.LINKS_PER_ACCOUNT_ON_ADDRESS + 1);

    // An address nobody uses is limited alike: a 429 tells nobody whether an account exists.
    const stranger = freshAddress();
    const answers: number[] = [];
    for (let i = 0; i <= links.LINKS_PER_ACCOUNT_ON_ADDRESS; i++) {
      answers.push((await askForLink({ email: 'ghost@example.com' }, stranger)).status);
    }
    expect(answers).toEqual([200, 200, 200, 429]);
  });

  it('gives a badly written address a field error and counts nothing', async () => {
    const address = freshAddress();
    const answer = await askForLink({ email: 'not an address' }, address);
    expect(answer.status).toBe(400);
    expect(answer.data.fieldErrors).toEqual({ email: 'Enter an email address such as name@company.com.' });
    const tooLong = await askForLink({ email: 'a@example.com', redirectTo: `/${'x'.repeat(3000)}` }, address);
    expect(tooLong.status).toBe(400);
    expect(tooLong.data.formError).toMatch(/open the sign-in page again/);
    const counted = await database.db
      .select()
      .from(signInAttempts)
      .where(sql`${signInAttempts.key} like ${`%${address}`}`);
    expect(counted).toEqual([]);
  });
});
