import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { verifyEmailAction } from '../../app/domain/notifications/signed-tokens';
import {
  accept,
  extendAndSchedule,
  submitOpportunity,
  takeBackAndReroute,
} from '../../app/domain/routing/loop.server';
import { formatInZone } from '../../app/models/inbox.server';
import type * as NoticesRoute from '../../app/routes/notices';
import type * as Root from '../../app/root';
import { customers, notifications } from '../../db/schema';
import { formatDateTime } from '../../emails/format';
import { startWorker, type RunningWorker } from '../../workers/start-worker';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { startMailSink, type CaughtMail, type MailSink } from '../support/mail-sink';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import { eventually } from '../support/worker-process';

/**
 * A channel manager extends a deadline and takes a lead back: the partner's people hear of it
 * by email (through the real worker and a real SMTP server) and in the portal (the layout's
 * notices, read through the root loader), and nobody else does.
 */
const PUBLIC_URL = 'https://partners.baton.test';
const SECRET = 'safe-actions-notices-test-secret-0123456789';
// Near the real now: the portal shows the notices of the last 30 days by the real clock.
const clock = new ManualClock(new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS));

let database: TestDatabase;
let sink: MailSink;
let worker: RunningWorker;
let root: typeof Root;
let noticesRoute: typeof NoticesRoute;
let closeApp: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  sink = await startMailSink();
  worker = await startWorker({
    databaseUrl: database.url,
    redisUrl: inject('redisUrl'),
    prefix: testRedisPrefix(),
    concurrency: 4,
    reconcileEveryMs: 600_000,
    stalledMs: 5000,
    clock,
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
  root = await import('../../app/root');
  noticesRoute = await import('../../app/routes/notices');
  const { closeDatabase } = await import('../../app/utils/db.server');
  const { closeLoop } = await import('../../app/utils/loop.server');
  closeApp = async () => {
    await closeLoop();
    await closeDatabase();
  };
});
afterAll(async () => {
  await closeApp?.();
  await worker?.emailQueue.obliterate({ force: true }).catch(() => {});
  await worker?.timerQueue.obliterate({ force: true }).catch(() => {});
  await worker?.stop();
  await sink?.stop();
  await database?.drop();
});

let seen = 0;

/** Waits until every notification is fanned out and every email settled; the mail since the last look. */
async function delivered(): Promise<CaughtMail[]> {
  await eventually(
    async () => {
      const [open] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(notifications)
        .where(inArray(notifications.status, ['pending', 'sending']));
      const [sent] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(notifications)
        .where(eq(notifications.status, 'sent'));
      return open!.n === 0 && sent!.n === sink.messages.length;
    },
    20_000,
    'every email row to be settled and caught',
  );
  const fresh = sink.messages.slice(seen);
  seen = sink.messages.length;
  // Email leaves our control: no customer's name or domain in any of it.
  const known = await database.db.select({ name: customers.name, domain: customers.domain }).from(customers);
  for (const mail of fresh) {
    for (const customer of known) {
      expect(`${mail.subject}${mail.html}${mail.text}`).not.toContain(customer.name);
    }
  }
  return fresh;
}

const addresses = (...people: { email: string }[]) => people.map((p) => p.email.toLowerCase()).sort();
const recipients = (mails: readonly CaughtMail[]) => mails.flatMap((m) => m.to).sort();

async function noticesOf(user: { id: number }) {
  const { cookie } = await sessionCookieFor(database.db, user.id);
  const answer = unwrap<{ notices: { id: number; text: string; href: string | null }[] }>(
    await settle(() =>
      root.loader({
        request: new Request('http://localhost/leads', { headers: { Cookie: cookie } }),
        params: {},
        context: {},
      }),
    ),
  );
  expect(answer.status).toBe(200);
  return answer.data.notices;
}

async function markRead(user: { id: number }, through: number) {
  const { cookie, session } = await sessionCookieFor(database.db, user.id);
  return unwrap(
    await settle(() =>
      noticesRoute.action({
        request: formPost(
          'http://localhost/notices',
          { csrf: session.csrfToken, through: String(through), returnTo: '/leads' },
          { Cookie: cookie },
        ),
        params: {},
        context: {},
      }),
    ),
  );
}

describe('extending a deadline and taking a lead back', () => {
  it("tell the partner's people by email and in the portal, and nobody else", async () => {
    const productLine = 'notice-storage';
    const holder = await makePartner(database.db, { tier: 'platinum', productLines: [productLine] });
    const next = await makePartner(database.db, { tier: 'silver', productLines: [productLine] });
    const berlin = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: holder.id,
      timezone: 'Europe/Berlin',
    });
    const newYork = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: holder.id,
      timezone: 'America/New_York',
    });
    const admin = await makeUser(database.db, { role: 'partner_admin', partnerId: holder.id });
    await makeUser(database.db, { role: 'partner_rep', partnerId: holder.id, disabledAt: clock.now() });
    const nextRep = await makeUser(database.db, { role: 'partner_rep', partnerId: next.id });
    const manager = await makeUser(database.db, { role: 'channel_manager', emailDigestOnly: true });
    const customer = await makeCustomer(database.db, { name: 'Hollowmere Foundry GmbH' });

    const { opportunityId, routing } = await submitOpportunity(
      worker.deps,
      opportunityInput(customer.id, { productLine, need: 'Replace the tape library' }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    expect(routing.partnerId).toBe(holder.id);
    const offerId = routing.timer.offerId;
    expect(recipients(await delivered())).toEqual(addresses(berlin, newYork, admin));

    // 1. More time: one email to each of the holder's active users, with the new deadline in their zone.
    clock.advance(HOUR_MS);
    const extended = await extendAndSchedule(worker.deps, { offerId, hours: 30, userId: manager.id });
    expect(extended.expiresAt.getTime()).toBe(routing.timer.expiresAt.getTime() + 30 * HOUR_MS);
    const moreTime = await delivered();
    expect(recipients(moreTime)).toEqual(addresses(berlin, newYork, admin));
    for (const user of [berlin, newYork, admin]) {
      const [mail] = moreTime.filter((m) => m.to.includes(user.email.toLowerCase()));
      const deadline = formatDateTime(extended.expiresAt, user.timezone);
      expect(mail!.subject).toMatch(new RegExp(`^More time: Lead #${opportunityId}, `));
      for (const part of [mail!.html, mail!.text]) {
        expect(part).toContain(`The new deadline is ${deadline}`);
        expect(part).toContain('Replace the tape library');
      }
      // Fresh Accept and Decline links, good until the new deadline.
      const tokens = [
        ...mail!.text.matchAll(new RegExp(`${PUBLIC_URL}/email-action/([A-Za-z0-9._-]+)`, 'g')),
      ];
      expect(tokens).toHaveLength(2);
      for (const [, token] of tokens) {
        const verified = verifyEmailAction(SECRET, token!);
        expect(verified.ok && verified.claims).toMatchObject({
          offerId,
          userId: user.id,
          expiresAtMs: extended.expiresAt.getTime(),
        });
      }
    }
    expect(formatDateTime(extended.expiresAt, berlin.timezone)).not.toBe(
      formatDateTime(extended.expiresAt, newYork.timezone),
    );

    // In the portal: the holder's people see it on their next page, in their zone; nobody else.
    const berlinNotices = await noticesOf(berlin);
    expect(berlinNotices).toHaveLength(1);
    expect(berlinNotices[0]!.text).toBe(
      `The vendor gave your company more time to answer the offer of lead #${opportunityId} (Replace the tape library): the new deadline is ${formatInZone(extended.expiresAt, 'Europe/Berlin')}.`,
    );
    expect(berlinNotices[0]!.href).toBe(`/inbox/${offerId}`);
    expect((await noticesOf(newYork))[0]!.text).toContain(
      formatInZone(extended.expiresAt, 'America/New_York'),
    );
    expect(await noticesOf(nextRep)).toEqual([]);
    expect(await noticesOf(manager)).toEqual([]);

    // Marking read is the reader's own: Berlin's is gone, New York still has it.
    const read = await markRead(berlin, berlinNotices[0]!.id);
    expect(read.status).toBe(302);
    expect(read.headers.get('Location')).toBe('/leads');
    expect(await noticesOf(berlin)).toEqual([]);
    expect(await noticesOf(newYork)).toHaveLength(1);

    // A refused extension (the offer is answered) writes nothing, so tells nobody.
    clock.advance(HOUR_MS);
    await accept(worker.deps, { offerId, userId: berlin.id, scope: { partnerId: holder.id } });
    await delivered();
    const rowsBefore = await database.db.select({ n: sql<number>`count(*)::int` }).from(notifications);
    await expect(extendAndSchedule(worker.deps, { offerId, hours: 5, userId: manager.id })).rejects.toThrow(
      /can no longer be extended/,
    );
    const rowsAfter = await database.db.select({ n: sql<number>`count(*)::int` }).from(notifications);
    expect(rowsAfter[0]!.n).toBe(rowsBefore[0]!.n);

    // 2. Taken back: the holder's people are told (with the reason); the next partner gets a new offer.
    clock.advance(HOUR_MS);
    const reason = 'The customer asked for its incumbent reseller';
    const takenBack = await takeBackAndReroute(worker.deps, {
      opportunityId,
      userId: manager.id,
      reason,
      expectedPartnerId: holder.id,
    });
    expect(takenBack.next).toMatchObject({ kind: 'offered', partnerId: next.id });
    const round = await delivered();
    expect(recipients(round)).toEqual(addresses(berlin, newYork, admin, nextRep));
    for (const user of [berlin, newYork, admin]) {
      const mails = round.filter((m) => m.to.includes(user.email.toLowerCase()));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toMatch(new RegExp(`^Lead taken back: Lead #${opportunityId}, `));
      for (const part of [mails[0]!.html, mails[0]!.text]) {
        expect(part).toContain('The lead and its customer record are no longer yours');
        expect(part).toContain(reason);
        expect(part).toContain(formatDateTime(clock.now(), user.timezone));
      }
    }
    expect(round.find((m) => m.to.includes(nextRep.email.toLowerCase()))!.subject).toMatch(/^New lead: /);

    const afterTakeBack = await noticesOf(berlin);
    expect(afterTakeBack.map((n) => n.text)).toEqual([
      `The vendor took lead #${opportunityId} (Replace the tape library) back from your company on ${formatInZone(clock.now(), 'Europe/Berlin')}. The lead and its customer record are no longer yours. The channel manager’s reason: “${reason}”`,
    ]);
    // New York had not read the extension yet: both, newest first; the answered offer has no link.
    const newYorkNotices = await noticesOf(newYork);
    expect(newYorkNotices).toHaveLength(2);
    expect(newYorkNotices[0]!.text).toMatch(/^The vendor took lead/);
    expect(newYorkNotices[1]!.href).toBeNull();
    expect(await noticesOf(nextRep)).toEqual([]);

    // Only the holder's rows exist for these events.
    const events = await database.db
      .select({ partnerId: notifications.partnerId })
      .from(notifications)
      .where(
        and(
          eq(notifications.opportunityId, opportunityId),
          inArray(notifications.kind, ['offer_extended', 'lead_taken_back']),
          eq(notifications.audience, 'partner'),
        ),
      );
    expect(events.map((e) => e.partnerId)).toEqual([holder.id, holder.id]);
  });

  it('refuses a mark-as-read form naming no notice, and never reads ahead of the newest notice', async () => {
    const partner = await makePartner(database.db, { tier: 'gold', productLines: ['notice-other'] });
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    for (const through of ['', 'x', '-3', '1.5']) {
      expect((await markRead(rep, through as unknown as number)).status).toBe(400);
    }
    // A forged far-future number: notices written afterwards still show.
    expect((await markRead(rep, Number.MAX_SAFE_INTEGER)).status).toBe(302);
    const customer = await makeCustomer(database.db);
    const { routing } = await submitOpportunity(
      worker.deps,
      opportunityInput(customer.id, { productLine: 'notice-other' }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    await extendAndSchedule(worker.deps, { offerId: routing.timer.offerId, hours: 2, userId: rep.id });
    await delivered();
    expect(await noticesOf(rep)).toHaveLength(1);
  });
});
