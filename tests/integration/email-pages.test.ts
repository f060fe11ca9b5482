import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { EMAIL_ACTION_MESSAGES } from '../../app/domain/notifications/email-actions.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { signEmailAction } from '../../app/domain/notifications/signed-tokens';
import { submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { formatInZone } from '../../app/models/inbox.server';
import type * as DevMailRoute from '../../app/routes/dev.mail';
import type * as DevMailMessageRoute from '../../app/routes/dev.mail.$mailId';
import type * as EmailActionRoute from '../../app/routes/email-action.$token';
import type * as ForgotPasswordRoute from '../../app/routes/forgot-password';
import type * as NotificationLogRoute from '../../app/routes/notifications';
import type * as ResetPasswordRoute from '../../app/routes/reset-password.$token';
import type * as EmailSettingsRoute from '../../app/routes/settings.notifications';
import type * as SignInRoute from '../../app/routes/sign-in';
import { mailCaptureOpen } from '../../app/utils/env.server';
import { RESET_LINK_PROBLEM } from '../../app/utils/password-reset.server';
import { disableUser } from '../../app/utils/session.server';
import {
  capturedMail,
  contacts,
  emailActionUses,
  notifications,
  offers,
  opportunityEvents,
  sessions,
  users,
} from '../../db/schema';
import {
  formPost,
  makeUser,
  sessionCookieFor,
  settle,
  TEST_PASSWORD,
  unwrap,
} from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The pages read Postgres and Redis the way production does (db.server, loop.server) and answer
// against the real clock, so the environment names this file's own database and Redis prefix
// before any route is imported, and leads are submitted at times set around the real now.
let database: TestDatabase;
let deps: LoopDeps;
let secret: string;
let routes: {
  emailAction: typeof EmailActionRoute;
  forgot: typeof ForgotPasswordRoute;
  reset: typeof ResetPasswordRoute;
  log: typeof NotificationLogRoute;
  settings: typeof EmailSettingsRoute;
  devMail: typeof DevMailRoute;
  devMailMessage: typeof DevMailMessageRoute;
  signIn: typeof SignInRoute;
  close: () => Promise<void>;
};
const realNow = Date.now();
const clock = new ManualClock(realNow);
const PUBLIC_URL = 'https://partners.example.com';

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [emailAction, forgot, reset, log, settings, devMail, devMailMessage, signIn, envServer] =
    await Promise.all([
      import('../../app/routes/email-action.$token'),
      import('../../app/routes/forgot-password'),
      import('../../app/routes/reset-password.$token'),
      import('../../app/routes/notifications'),
      import('../../app/routes/settings.notifications'),
      import('../../app/routes/dev.mail'),
      import('../../app/routes/dev.mail.$mailId'),
      import('../../app/routes/sign-in'),
      import('../../app/utils/env.server'),
    ]);
  secret = envServer.env().APP_SECRET;
  const [dbServer, loopServer] = await Promise.all([
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = {
    emailAction,
    forgot,
    reset,
    log,
    settings,
    devMail,
    devMailMessage,
    signIn,
    close: async () => {
      await loopServer.closeLoop();
      await dbServer.closeDatabase();
    },
  };
});
afterAll(async () => {
  await routes?.close();
  await database.drop();
});

/** What the loaders and actions of these pages answer with, as far as the tests read it. */
interface PageData {
  state?: string;
  action?: string;
  problem?: string;
  message?: string | null;
  fieldErrors?: Record<string, string | undefined>;
  opportunityId?: number;
  offer?: { need: string; userName: string; deadline: string; facts: [string, string][] };
  email?: string;
  sent?: boolean;
  ok?: boolean;
  delivery?: string;
}

type RouteFunction = (args: { request: Request; params: Record<string, string>; context: object }) => unknown;

async function call<T = PageData>(fn: RouteFunction, request: Request, params: Record<string, string> = {}) {
  return unwrap<T>(await settle(() => fn({ request, params, context: {} }) as Promise<unknown>));
}

// A browser before sign-in: the root loader gave it the pre-session CSRF cookie and the form
// carries the same value.
const PRE_SESSION_CSRF = 'pre-session-csrf-token-for-the-email-pages';
const anonymousPost = (
  path: string,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
) =>
  formPost(
    `http://localhost${path}`,
    { csrf: PRE_SESSION_CSRF, ...fields },
    { Cookie: `baton_csrf=${PRE_SESSION_CSRF}`, ...headers },
  );
const get = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${path}`, { headers });

const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

/** Everything an email link may change: the routing tables, the notifications, the link uses. */
async function state() {
  const uses = await database.db.select({ n: sql<number>`count(*)::int` }).from(emailActionUses);
  return { ...(await snapshot(database.db)), emailActionUses: uses[0]!.n };
}

async function pendingOfferOf(opportunityId: number) {
  const [offer] = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return offer ?? null;
}

/**
 * The offer email a user gets for an opportunity's pending offer, composed the way the worker
 * composes it after fan-out: its Accept and Decline links.
 */
async function offerEmailLinks(opportunityId: number, userId: number) {
  await fanOutPending(database.db);
  const offer = (await pendingOfferOf(opportunityId))!;
  const [row] = await database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      and(
        eq(notifications.audience, 'user'),
        eq(notifications.kind, 'offer_new'),
        eq(notifications.offerId, offer.id),
        eq(notifications.userId, userId),
      ),
    );
  expect(row, `an offer_new email row for user ${userId}`).toBeDefined();
  const composed = await composeNotificationEmail(database.db, row!.id, {
    publicUrl: PUBLIC_URL,
    secret,
    now: new Date(),
  });
  if (composed.kind !== 'message' || composed.message.kind !== 'offer_new')
    throw new Error(`expected an offer_new message, got ${JSON.stringify(composed)}`);
  const { acceptUrl, declineUrl } = composed.message.links;
  return {
    offer,
    accept: { path: new URL(acceptUrl).pathname, token: tokenOf(acceptUrl) },
    decline: { path: new URL(declineUrl).pathname, token: tokenOf(declineUrl) },
  };
}

const openLink = (link: { path: string; token: string }) =>
  call(routes.emailAction.loader as RouteFunction, get(link.path), { token: link.token });
const pressLink = (
  link: { path: string; token: string },
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
) =>
  call(routes.emailAction.action as RouteFunction, anonymousPost(link.path, fields, headers), {
    token: link.token,
  });

/** The same link with one character of its signature changed. */
function withSignatureChanged(token: string): string {
  const at = token.length - 10;
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
}

describe('one-click answers from an offer email', () => {
  // Only Nordlys covers Sweden, so Swedish leads always reach it; Finnish leads can go on to Fjord.
  let nordlys: number;
  let fjord: number;
  let rep: typeof users.$inferSelect;
  let secondRep: typeof users.$inferSelect;
  let fjordRep: typeof users.$inferSelect;
  let swedishCustomer: number;
  let finnishCustomer: number;
  const customerName = 'Granskog Timber AB';

  beforeAll(async () => {
    nordlys = (
      await makePartner(database.db, { tier: 'platinum', countries: ['SE', 'FI'], name: 'Nordlys IT' })
    ).id;
    fjord = (await makePartner(database.db, { tier: 'silver', countries: ['FI'], name: 'Fjord Systems' })).id;
    rep = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: nordlys,
      name: 'Astrid Lund',
      timezone: 'Europe/Helsinki',
    });
    secondRep = await makeUser(database.db, { role: 'partner_rep', partnerId: nordlys, name: 'Nils Berg' });
    fjordRep = await makeUser(database.db, { role: 'partner_rep', partnerId: fjord, name: 'Eino Koski' });
    const swedish = await makeCustomer(database.db, { country: 'SE', name: customerName });
    await database.db
      .insert(contacts)
      .values({ customerId: swedish.id, name: 'Sigrid Holm', email: 's.holm@granskog.example' });
    swedishCustomer = swedish.id;
    finnishCustomer = (await makeCustomer(database.db, { country: 'FI' })).id;
  });

  const submit = async (customerId: number, overrides: Record<string, unknown> = {}) => {
    const submitted = await submitOpportunity(deps, opportunityInput(customerId, overrides));
    expect(submitted.routing.kind).toBe('offered');
    return submitted.opportunityId;
  };

  it('accepts once: opening the link changes nothing, pressing Accept gives the lead to the rep', async () => {
    clock.set(realNow);
    const opportunityId = await submit(swedishCustomer, { need: 'Wood-drying sensors for three kilns' });
    const { offer, accept } = await offerEmailLinks(opportunityId, rep.id);
    expect(offer.partnerId).toBe(nordlys);

    const before = await state();
    const opened = await openLink(accept);
    expect(await state()).toEqual(before);
    expect(opened.status).toBe(200);
    expect(opened.data).toMatchObject({ state: 'confirm', action: 'accept' });
    expect(opened.data.offer).toMatchObject({
      need: 'Wood-drying sensors for three kilns',
      userName: 'Astrid Lund',
      // The deadline in the rep's own time zone.
      deadline: formatInZone(offer.expiresAt, 'Europe/Helsinki'),
    });
    expect(Object.fromEntries(opened.data.offer!.facts)).toMatchObject({
      'Product line': 'storage',
      Country: 'SE',
      Industry: 'manufacturing',
      Size: 'Mid-market',
      Campaign: 'None',
    });
    // The lead card, not the customer: no name, no contacts before accepting.
    expect(JSON.stringify(opened.data)).not.toContain(customerName);
    expect(JSON.stringify(opened.data)).not.toContain('Holm');

    const pressed = await pressLink(accept);
    expect(pressed.status).toBe(200);
    expect(pressed.data).toEqual({ state: 'done', action: 'accept', opportunityId });
    const [taken] = await database.db.select().from(offers).where(eq(offers.id, offer.id));
    expect(taken).toMatchObject({ status: 'accepted', respondedByUserId: rep.id });
    const [event] = await database.db
      .select()
      .from(opportunityEvents)
      .where(and(eq(opportunityEvents.offerId, offer.id), eq(opportunityEvents.kind, 'accepted')));
    expect(event!.actorUserId).toBe(rep.id);

    // The link is used up: pressed again, it says so and nothing changes.
    const afterAccept = await state();
    const again = await pressLink(accept);
    expect(again.status).toBe(410);
    expect(again.data).toMatchObject({
      state: 'problem',
      problem: 'used',
      message: EMAIL_ACTION_MESSAGES.used,
    });
    expect((await openLink(accept)).data).toMatchObject({ problem: 'used' });
    // Another spelling of the same signature (the last character's unused bits) is not a second link.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(accept.token.at(-1)!);
    const respellings = [1, 2, 3].map(
      (n) => `${accept.token.slice(0, -1)}${alphabet[(last & ~3) | ((last + n) & 3)]}`,
    );
    for (const token of respellings) {
      const respelled = await pressLink({ path: `/email-action/${token}`, token });
      expect(respelled.data).toMatchObject({ problem: 'invalid' });
    }
    expect(await state()).toEqual(afterAccept);
  });

  it('refuses a changed link, and a press that did not come from the page, changing nothing', async () => {
    clock.set(realNow);
    const opportunityId = await submit(swedishCustomer);
    const { offer, accept } = await offerEmailLinks(opportunityId, rep.id);
    const before = await state();

    const signatureChanged = withSignatureChanged(accept.token);
    const otherOffer = accept.token.replace(/^\d+/, String(offer.id + 1000));
    const cutShort = accept.token.slice(0, -5);
    for (const token of [signatureChanged, otherOffer, cutShort]) {
      const link = { path: `/email-action/${token}`, token };
      const opened = await openLink(link);
      expect(opened.status, token).toBe(404);
      expect(opened.data).toMatchObject({
        state: 'problem',
        problem: 'invalid',
        message: EMAIL_ACTION_MESSAGES.invalid,
      });
      const pressed = await pressLink(link);
      expect(pressed.status, token).toBe(404);
      expect(pressed.data).toMatchObject({ problem: 'invalid' });
    }

    // The standard CSRF checks hold for this anonymous form too.
    const noToken = await call(
      routes.emailAction.action as RouteFunction,
      formPost(`http://localhost${accept.path}`, {}),
      { token: accept.token },
    );
    expect(noToken.status).toBe(403);
    const otherSite = await pressLink(accept, {}, { Origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);

    expect(await state()).toEqual(before);
    expect((await pendingOfferOf(opportunityId))!.id).toBe(offer.id);
  });

  it('declines only with a reason; a missing reason does not use the link up; the lead moves on', async () => {
    clock.set(realNow);
    // Finnish: both partners cover it, so a decline by one sends it to the other.
    const opportunityId = await submit(finnishCustomer, { need: 'Harbour crane telemetry' });
    const first = (await pendingOfferOf(opportunityId))!;
    const firstRep = first.partnerId === nordlys ? rep : fjordRep;
    const { decline } = await offerEmailLinks(opportunityId, firstRep.id);

    const opened = await openLink(decline);
    expect(opened.data).toMatchObject({ state: 'confirm', action: 'decline' });

    const before = await state();
    const withoutReason = await pressLink(decline, { note: 'Busy all month' });
    expect(withoutReason.status).toBe(400);
    expect(withoutReason.data).toMatchObject({
      state: 'invalid',
      fieldErrors: { reason: 'Choose why you are declining this lead.' },
      note: 'Busy all month',
    });
    const madeUp = await pressLink(decline, { reason: 'too_sunny' });
    expect(madeUp.status).toBe(400);
    expect(madeUp.data.fieldErrors).toHaveProperty('reason');
    expect(await state()).toEqual(before);
    // Still good: the rep can fix the form and send it.
    expect((await openLink(decline)).data).toMatchObject({ state: 'confirm' });

    const declined = await pressLink(decline, { reason: 'no_capacity', note: 'Busy all month' });
    expect(declined.status).toBe(200);
    expect(declined.data).toEqual({ state: 'done', action: 'decline', opportunityId });
    const [ended] = await database.db.select().from(offers).where(eq(offers.id, first.id));
    expect(ended).toMatchObject({
      status: 'declined',
      declineReason: 'no_capacity',
      declineNote: 'Busy all month',
      respondedByUserId: firstRep.id,
    });
    const next = (await pendingOfferOf(opportunityId))!;
    expect(next.partnerId).toBe(first.partnerId === nordlys ? fjord : nordlys);
    expect((await pressLink(decline, { reason: 'no_capacity' })).data).toMatchObject({ problem: 'used' });
  });

  it('refuses the link of a user who was disabled since the email went out', async () => {
    clock.set(realNow);
    const opportunityId = await submit(swedishCustomer);
    const { accept } = await offerEmailLinks(opportunityId, secondRep.id);
    await disableUser(secondRep.id, { db: database.db, clock });
    const before = await state();
    const opened = await openLink(accept);
    expect(opened.status).toBe(410);
    expect(opened.data).toMatchObject({ problem: 'not_allowed', message: EMAIL_ACTION_MESSAGES.not_allowed });
    expect((await pressLink(accept)).data).toMatchObject({ problem: 'not_allowed' });
    expect(await state()).toEqual(before);
  });

  it('refuses a link once the offer’s deadline has passed, even before any timer ran', async () => {
    // Offered 49 hours ago with a 48-hour window: its deadline passed an hour ago.
    clock.set(realNow - 49 * HOUR_MS);
    const opportunityId = await submit(swedishCustomer);
    clock.set(realNow);
    const offer = (await pendingOfferOf(opportunityId))!;
    expect(offer.expiresAt.getTime()).toBeLessThan(Date.now());
    const token = signEmailAction(secret, {
      offerId: offer.id,
      action: 'accept',
      userId: rep.id,
      expiresAtMs: offer.expiresAt.getTime(),
    });
    const link = { path: `/email-action/${token}`, token };
    const before = await state();
    const opened = await openLink(link);
    expect(opened.status).toBe(410);
    expect(opened.data).toMatchObject({ problem: 'expired', message: EMAIL_ACTION_MESSAGES.expired });
    expect((await pressLink(link)).data).toMatchObject({ problem: 'expired' });
    expect(await state()).toEqual(before);
    expect((await pendingOfferOf(opportunityId))!.id).toBe(offer.id);
  });
});

describe('forgotten passwords', () => {
  let account: typeof users.$inferSelect;
  const NEW_PASSWORD = 'a brand new passphrase 42';

  beforeAll(async () => {
    account = await makeUser(database.db, { role: 'channel_manager', name: 'Greta Forgetful' });
  });

  const resetRows = (userId: number) =>
    database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.kind, 'password_reset')));
  const requestReset = (email: string) =>
    call(routes.forgot.action as RouteFunction, anonymousPost('/forgot-password', { email }));
  const signInWith = (email: string, password: string) =>
    call(
      routes.signIn.action as RouteFunction,
      anonymousPost(
        '/sign-in',
        { email, password },
        {
          'X-Forwarded-For': '203.0.113.77',
        },
      ),
    );

  it('answers the same whether or not an account uses the address, and mails only a real one', async () => {
    const unknown = await requestReset('nobody-here@example.com');
    const known = await requestReset(account.email.toUpperCase());
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(known.data).toEqual(unknown.data);
    expect(known.data.message).toBe(
      'If an account uses that address, we have sent it a link; it works once, for one hour.',
    );
    expect(await resetRows(account.id)).toHaveLength(1);
    const all = await database.db
      .select({ email: notifications.recipientEmail })
      .from(notifications)
      .where(eq(notifications.kind, 'password_reset'));
    expect(all.map((r) => r.email)).toEqual([account.email]);
  });

  it('gives a badly written address a field error', async () => {
    const answer = await requestReset('not an address');
    expect(answer.status).toBe(400);
    expect(answer.data.fieldErrors).toEqual({ email: 'Enter an email address such as name@company.com.' });
    const empty = await requestReset('');
    expect(empty.data.fieldErrors).toHaveProperty('email');
  });

  it('sets the new password from the emailed link once, and signs the account out everywhere', async () => {
    const { cookie } = await sessionCookieFor(database.db, account.id);
    expect(cookie).toBeTruthy();
    const [row] = await resetRows(account.id);
    const composed = await composeNotificationEmail(database.db, row!.id, {
      publicUrl: PUBLIC_URL,
      secret,
      now: new Date(),
    });
    if (composed.kind !== 'message' || composed.message.kind !== 'password_reset')
      throw new Error(`expected a password_reset message, got ${JSON.stringify(composed)}`);
    const token = tokenOf(composed.message.resetUrl);
    const path = `/reset-password/${token}`;
    const open = () => call(routes.reset.loader as RouteFunction, get(path), { token });
    const submit = (fields: Record<string, string>) =>
      call(routes.reset.action as RouteFunction, anonymousPost(path, fields), { token });

    const form = await open();
    expect(form.status).toBe(200);
    expect(form.data).toMatchObject({ state: 'form', email: account.email });

    const mismatched = await submit({ password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!` });
    expect(mismatched.status).toBe(400);
    expect(mismatched.data.fieldErrors).toEqual({
      confirm: 'The two passwords differ; type the same password twice.',
    });
    const short = await submit({ password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(short.data.fieldErrors).toHaveProperty('password');
    // A refused form leaves the link good.
    expect((await open()).data).toMatchObject({ state: 'form' });

    const done = await submit({ password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.status).toBe(302);
    expect(done.headers.get('Location')).toBe('/sign-in?password-changed=1');
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, account.id))).toEqual([]);

    expect((await signInWith(account.email, TEST_PASSWORD)).status).toBe(401);
    const signedIn = await signInWith(account.email, NEW_PASSWORD);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get('Location')).toBe('/queue');

    const reopened = await open();
    expect(reopened.status).toBe(410);
    expect(reopened.data).toEqual({ state: 'problem', message: RESET_LINK_PROBLEM });
    const reused = await submit({ password: 'yet another passphrase', confirm: 'yet another passphrase' });
    expect(reused.status).toBe(410);
    expect((await signInWith(account.email, NEW_PASSWORD)).status).toBe(302);
  });

  it('refuses a made-up or changed reset link', async () => {
    for (const token of ['12345.not-a-signature', `1.${'A'.repeat(43)}`, 'nonsense']) {
      const answer = await call(routes.reset.loader as RouteFunction, get(`/reset-password/${token}`), {
        token,
      });
      expect(answer.status).toBe(410);
      expect(answer.data).toEqual({ state: 'problem', message: RESET_LINK_PROBLEM });
    }
  });
});

describe('the notification log', () => {
  let managerCookie: string;
  let repCookie: string;
  let digestReader: typeof users.$inferSelect;
  const failures = 60;

  beforeAll(async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager', timezone: 'America/New_York' });
    managerCookie = (await sessionCookieFor(database.db, manager.id)).cookie;
    const partner = await makePartner(database.db);
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    repCookie = (await sessionCookieFor(database.db, rep.id)).cookie;
    digestReader = await makeUser(database.db, { role: 'channel_manager', name: 'Dora Digest' });
    const at = new Date(Date.UTC(2026, 10, 20, 7, 0));
    await database.db.insert(notifications).values(
      Array.from({ length: failures }, (_, n) => ({
        kind: 'daily_digest' as const,
        audience: 'user' as const,
        userId: digestReader.id,
        recipientEmail: digestReader.email,
        dedupeKey: `test-digest-${n}`,
        status: 'failed' as const,
        attempts: 10,
        lastError: '421 mail server busy',
        createdAt: new Date(at.getTime() + n * 60_000),
      })),
    );
  });

  const openLog = (query: string, cookie = managerCookie) =>
    call<{
      rows: {
        id: number;
        kind: string;
        recipientName: string;
        recipientEmail: string;
        status: string;
        created: string;
        attempts: number;
        lastError: string | null;
      }[];
      next: number | null;
      counts: { status: string; count: number }[];
      fieldErrors: Record<string, string>;
    }>(routes.log.loader as RouteFunction, get(`/notifications${query}`, { Cookie: cookie }));

  it('is not there for a partner’s user', async () => {
    expect((await openLog('', repCookie)).status).toBe(404);
  });

  it('lists the emails newest first with their counts by status, and pages by id', async () => {
    const first = await openLog('');
    expect(first.status).toBe(200);
    expect(first.data.rows).toHaveLength(50);
    const ids = first.data.rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const failed = first.data.counts.find((c) => c.status === 'failed')!;
    expect(failed.count).toBe(failures);
    // Only email rows: the routing events they were fanned out from are not mail.
    const eventIds = (
      await database.db
        .select({ id: notifications.id })
        .from(notifications)
        .where(sql`${notifications.audience} <> 'user'`)
    ).map((r) => r.id);
    expect(ids.filter((id) => eventIds.includes(id))).toEqual([]);

    const digests = await openLog('?kind=daily_digest&status=failed');
    expect(digests.data.rows).toHaveLength(50);
    expect(digests.data.rows[0]).toMatchObject({
      kind: 'Daily digest',
      recipientName: 'Dora Digest',
      recipientEmail: digestReader.email,
      status: 'failed',
      attempts: 10,
      lastError: '421 mail server busy',
      // 07:59 UTC is 02:59 in New York in November: the viewer's own zone.
      created: formatInZone(new Date(Date.UTC(2026, 10, 20, 7, 59)), 'America/New_York'),
    });
    expect(digests.data.next).toBe(digests.data.rows[49]!.id);
    const second = await openLog(`?kind=daily_digest&status=failed&after=${digests.data.next}`);
    expect(second.data.rows).toHaveLength(failures - 50);
    expect(second.data.next).toBeNull();
    expect(Math.max(...second.data.rows.map((r) => r.id))).toBeLessThan(digests.data.next!);
    const seen = new Set([...digests.data.rows, ...second.data.rows].map((r) => r.id));
    expect(seen.size).toBe(failures);

    const sent = await openLog('?status=sent&kind=daily_digest');
    expect(sent.data.rows).toEqual([]);
    const offers = await openLog('?kind=offer_new');
    expect(offers.data.rows.length).toBeGreaterThan(0);
    expect(offers.data.rows.every((r) => r.kind === 'New offer')).toBe(true);
  });

  it('answers a bad filter with a field error and no rows', async () => {
    const badStatus = await openLog('?status=fanned_out');
    expect(badStatus.status).toBe(400);
    expect(badStatus.data.fieldErrors).toEqual({ status: 'Choose a status from the list.' });
    expect(badStatus.data.rows).toEqual([]);
    const badKind = await openLog('?kind=postcard');
    expect(badKind.data.fieldErrors).toEqual({ kind: 'Choose a kind of email from the list.' });
    const badCursor = await openLog('?after=yesterday');
    expect(badCursor.status).toBe(400);
    expect(badCursor.data.fieldErrors).toHaveProperty('after');
  });
});

describe('a channel manager’s email settings', () => {
  it('saves the choice between an email per lead and the digest alone, and refuses anything else', async () => {
    const manager = await makeUser(database.db, { role: 'channel_manager' });
    const { cookie, session } = await sessionCookieFor(database.db, manager.id);
    const open = () =>
      call(routes.settings.loader as RouteFunction, get('/settings/notifications', { Cookie: cookie }));
    const save = (fields: Record<string, string>) =>
      call(
        routes.settings.action as RouteFunction,
        formPost(
          'http://localhost/settings/notifications',
          { csrf: session.csrfToken, ...fields },
          {
            Cookie: cookie,
          },
        ),
      );
    const digestOnly = async () =>
      (await database.db.select().from(users).where(eq(users.id, manager.id)))[0]!.emailDigestOnly;

    expect((await open()).data).toMatchObject({ delivery: 'each' });
    const saved = await save({ delivery: 'digest' });
    expect(saved.status).toBe(200);
    expect(saved.data).toMatchObject({
      ok: true,
      message: 'Saved. From now on you get only the daily digest.',
    });
    expect(await digestOnly()).toBe(true);
    expect((await open()).data).toMatchObject({ delivery: 'digest' });

    const bad = await save({ delivery: 'weekly' });
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({
      ok: false,
      fieldErrors: { delivery: 'Choose how you want to hear about leads.' },
    });
    expect((await save({})).status).toBe(400);
    expect(await digestOnly()).toBe(true);

    const forged = await call(
      routes.settings.action as RouteFunction,
      formPost(
        'http://localhost/settings/notifications',
        { csrf: 'guessed', delivery: 'each' },
        { Cookie: cookie },
      ),
    );
    expect(forged.status).toBe(403);
    expect(await digestOnly()).toBe(true);

    expect((await save({ delivery: 'each' })).data).toMatchObject({ ok: true });
    expect(await digestOnly()).toBe(false);
  });

  it('is not there for an admin or a partner’s user', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const partner = await makePartner(database.db);
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    for (const user of [admin, rep]) {
      const { cookie } = await sessionCookieFor(database.db, user.id);
      const answer = await call(
        routes.settings.loader as RouteFunction,
        get('/settings/notifications', { Cookie: cookie }),
      );
      expect(answer.status).toBe(404);
    }
  });
});

describe('the caught-mail pages', () => {
  it('exist outside production and in the demo, never in production', async () => {
    expect(mailCaptureOpen({ NODE_ENV: 'production', DEMO_MODE: 'off' })).toBe(false);
    expect(mailCaptureOpen({ NODE_ENV: 'production', DEMO_MODE: 'on' })).toBe(true);
    expect(mailCaptureOpen({ NODE_ENV: 'development', DEMO_MODE: 'off' })).toBe(true);
    expect(mailCaptureOpen({ NODE_ENV: 'test', DEMO_MODE: 'off' })).toBe(true);
  });

  it('show caught mail newest first, its text with live links and its HTML sandboxed', async () => {
    const text =
      'Accept: https://partners.example.com/email-action/1.a.2.3.abc.\nNot a link: javascript:alert(1) (see http://x.example/a).';
    const [older] = await database.db
      .insert(capturedMail)
      .values({
        mailFrom: 'baton@localhost',
        rcptTo: ['a@example.com'],
        subject: 'Older',
        textBody: 'x',
        htmlBody: '',
      })
      .returning();
    const [newer] = await database.db
      .insert(capturedMail)
      .values({
        mailFrom: 'baton@localhost',
        rcptTo: ['rep@example.com', 'cc@example.com'],
        subject: 'New lead for you',
        textBody: text,
        htmlBody: '<p>Hello<script>alert(1)</script></p>',
      })
      .returning();

    const list = await call<{ mails: { id: number; subject: string; to: string }[] }>(
      routes.devMail.loader as RouteFunction,
      get('/dev/mail'),
    );
    expect(list.status).toBe(200);
    expect(list.data.mails.slice(0, 2)).toMatchObject([
      { id: newer!.id, subject: 'New lead for you', to: 'rep@example.com, cc@example.com' },
      { id: older!.id, subject: 'Older' },
    ]);

    const message = await call<{ text: string; html: string }>(
      routes.devMailMessage.loader as RouteFunction,
      get(`/dev/mail/${newer!.id}`),
      { mailId: String(newer!.id) },
    );
    expect(message.data).toMatchObject({ text, html: '<p>Hello<script>alert(1)</script></p>' });
    expect(routes.devMailMessage.linkify(text)).toEqual([
      'Accept: ',
      { href: 'https://partners.example.com/email-action/1.a.2.3.abc' },
      '.\nNot a link: javascript:alert(1) (see ',
      { href: 'http://x.example/a' },
      ').',
    ]);

    for (const mailId of ['999999', 'abc']) {
      const missing = await call(routes.devMailMessage.loader as RouteFunction, get(`/dev/mail/${mailId}`), {
        mailId,
      });
      expect(missing.status).toBe(404);
    }
  });

  it('answer 404 in production unless the demo runs', async () => {
    const saved = {
      NODE_ENV: process.env.NODE_ENV,
      DEMO_MODE: process.env.DEMO_MODE,
      APP_SECRET: process.env.APP_SECRET,
    };
    // env() is parsed once per process: fresh modules read the changed environment.
    const freshDevMail = async () => {
      vi.resetModules();
      return (await import('../../app/routes/dev.mail')) as typeof DevMailRoute;
    };
    try {
      process.env.NODE_ENV = 'production';
      process.env.APP_SECRET = 'a-production-secret-of-at-least-32-characters';
      process.env.DEMO_MODE = 'off';
      const closed = await freshDevMail();
      expect((await call(closed.loader as RouteFunction, get('/dev/mail'))).status).toBe(404);
      process.env.DEMO_MODE = 'on';
      const demo = await freshDevMail();
      expect((await call(demo.loader as RouteFunction, get('/dev/mail'))).status).toBe(200);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      vi.resetModules();
    }
  });
});
