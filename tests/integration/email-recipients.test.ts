import { Job } from 'bullmq';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { valueBand } from '../../app/domain/money';
import { createDailyDigests } from '../../app/domain/notifications/daily-digest.server';
import { verifyEmailAction } from '../../app/domain/notifications/signed-tokens';
import { timerJobId } from '../../app/domain/offers/checkpoints';
import type { OfferTimerJob } from '../../app/domain/offers/timer-queue.server';
import { accept, declineAndReroute, submitOpportunity } from '../../app/domain/routing/loop.server';
import { checkPasswordReset, requestPasswordReset } from '../../app/utils/password-reset.server';
import { campaigns, customers, notifications, offers, opportunities } from '../../db/schema';
import { offerTimerProcessor } from '../../workers/offer-timer.processor';
import { startWorker, type RunningWorker } from '../../workers/start-worker';
import { makeUser } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { notificationIdOf, startMailSink, type CaughtMail, type MailSink } from '../support/mail-sink';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import { eventually } from '../support/worker-process';

const PUBLIC_URL = 'https://partners.baton.test';
const SECRET = 'email-recipients-test-secret-0123456789';
// Wed 4 Mar 2026 09:00 UTC is the first offer's deadline: 10:00 in Berlin, 04:00 in New York.
const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));

let database: TestDatabase;
let sink: MailSink;
let worker: RunningWorker;
const workerLog: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  sink = await startMailSink();
  worker = await startWorker({
    databaseUrl: database.url,
    redisUrl: inject('redisUrl'),
    prefix: testRedisPrefix(),
    concurrency: 4,
    // The reconciler would expire offers on its own once the clock moves; the tests drive it.
    reconcileEveryMs: 600_000,
    stalledMs: 5000,
    clock,
    log: (line) => workerLog.push(line),
    email: {
      smtpUrl: sink.url,
      from: 'Baton <baton@baton.local>',
      publicUrl: PUBLIC_URL,
      secret: SECRET,
      retryBaseMs: 100,
      // Twelve hours away from now: the real-time digest schedule never fires during the run.
      digestHourUtc: (new Date().getUTCHours() + 12) % 24,
      relayEveryMs: 100,
    },
  });
});
afterAll(async () => {
  await worker?.emailQueue.obliterate({ force: true }).catch(() => {});
  await worker?.timerQueue.obliterate({ force: true }).catch(() => {});
  await worker?.stop();
  await sink?.stop();
  await database?.drop();
});

let delivered = 0;

/**
 * Waits until every notification is fanned out and every email row settled, checks the rows
 * against what the mail server caught, and returns the messages caught since the last call.
 */
async function deliveredSinceLastLook(): Promise<CaughtMail[]> {
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
  const emailRows = await database.db.select().from(notifications).where(eq(notifications.audience, 'user'));
  for (const row of emailRows) {
    if (row.status === 'sent') {
      expect(row.sentAt, `email row ${row.id}`).not.toBeNull();
      const caught = sink.withMessageId(`<notification-${row.id}@baton.local>`);
      expect(caught, `email row ${row.id} caught once`).toHaveLength(1);
      expect(caught[0]!.to).toEqual([row.recipientEmail]);
    } else {
      expect(row.status, `email row ${row.id} (${row.kind})`).toBe('skipped');
      expect(row.lastError, `email row ${row.id}: why it was skipped`).toBeTruthy();
      expect(sink.withMessageId(`<notification-${row.id}@baton.local>`)).toHaveLength(0);
    }
  }
  const fresh = sink.messages.slice(delivered);
  delivered = sink.messages.length;
  await expectNoCustomerIdentity(fresh);
  return fresh;
}

/** Email leaves our control: no customer's name or domain may be in any of it. */
async function expectNoCustomerIdentity(mails: readonly CaughtMail[]) {
  const known = await database.db.select({ name: customers.name, domain: customers.domain }).from(customers);
  for (const mail of mails) {
    for (const customer of known) {
      for (const part of [mail.subject, mail.html, mail.text]) {
        expect(part).not.toContain(customer.name);
        if (customer.domain) expect(part).not.toContain(customer.domain);
      }
    }
  }
}

function recipientsOf(mails: readonly CaughtMail[]): string[] {
  return mails.flatMap((m) => m.to).sort();
}

const addresses = (...people: { email: string }[]) => people.map((p) => p.email.toLowerCase()).sort();

function only(mails: readonly CaughtMail[], address: string): CaughtMail {
  const matching = mails.filter((m) => m.to.includes(address.toLowerCase()));
  expect(matching, `one email to ${address}`).toHaveLength(1);
  return matching[0]!;
}

/** The Accept and Decline links of an offer email, checked to be the same in both parts. */
function offerLinks(mail: CaughtMail) {
  const pattern = new RegExp(`${PUBLIC_URL}/email-action/([A-Za-z0-9._-]+)`, 'g');
  const inHtml = [...new Set([...mail.html.matchAll(pattern)].map((m) => m[1]!))];
  const inText = [...new Set([...mail.text.matchAll(pattern)].map((m) => m[1]!))];
  expect(inText.sort()).toEqual(inHtml.sort());
  const claims = inHtml.map((token) => {
    const verified = verifyEmailAction(SECRET, token);
    if (!verified.ok) throw new Error(`an email link does not verify: ${verified.problem}`);
    return verified.claims;
  });
  return claims;
}

async function timerJob(offerId: number, at: Date) {
  const job = await Job.fromId<OfferTimerJob>(worker.timerQueue, timerJobId(offerId, at));
  expect(job, `timer job for offer ${offerId} at ${at.toISOString()}`).toBeTruthy();
  return job!;
}

async function activeManagers() {
  const manager = await makeUser(database.db, { role: 'channel_manager', timezone: 'Europe/London' });
  const digestOnly = await makeUser(database.db, { role: 'channel_manager', emailDigestOnly: true });
  const disabledManager = await makeUser(database.db, { role: 'channel_manager', disabledAt: clock.now() });
  const admin = await makeUser(database.db, { role: 'admin' });
  return { manager, digestOnly, disabledManager, admin };
}

let people: Awaited<ReturnType<typeof activeManagers>>;

describe('who gets which email', () => {
  it('follows a campaign lead from offer through reminder, expiry and acceptance to exactly the right people', async () => {
    people = await activeManagers();
    const lineOfBusiness = 'email-storage';
    const first = await makePartner(database.db, { tier: 'platinum', productLines: [lineOfBusiness] });
    const second = await makePartner(database.db, { tier: 'silver', productLines: [lineOfBusiness] });
    const berlinRep = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: first.id,
      timezone: 'Europe/Berlin',
    });
    const newYorkRep = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: first.id,
      timezone: 'America/New_York',
    });
    const firstAdmin = await makeUser(database.db, { role: 'partner_admin', partnerId: first.id });
    await makeUser(database.db, { role: 'partner_rep', partnerId: first.id, disabledAt: clock.now() });
    const secondRep = await makeUser(database.db, { role: 'partner_rep', partnerId: second.id });
    const secondAdmin = await makeUser(database.db, { role: 'partner_admin', partnerId: second.id });
    const coordinator = await makeUser(database.db, { role: 'campaign_coordinator' });
    const otherCoordinator = await makeUser(database.db, { role: 'campaign_coordinator' });
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Spring Storage Refresh', status: 'active', coordinatorUserId: coordinator.id })
      .returning();
    await database.db
      .insert(campaigns)
      .values({ name: 'Unrelated Campaign', status: 'active', coordinatorUserId: otherCoordinator.id });
    const customer = await makeCustomer(database.db, {
      name: 'Quillfeather Dynamics AG',
      domain: 'quillfeather-dynamics.example',
    });

    // 1. The offer: every active user of the first partner, each in their own time zone.
    const { opportunityId, routing } = await submitOpportunity(
      worker.deps,
      opportunityInput(customer.id, {
        productLine: lineOfBusiness,
        need: 'Consolidate three SAN arrays into one',
        campaignId: campaign!.id,
      }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    expect(routing.partnerId).toBe(first.id);
    const { offerId, expiresAt } = routing.timer;
    expect(expiresAt.toISOString()).toBe('2026-03-04T09:00:00.000Z');

    const offered = await deliveredSinceLastLook();
    expect(recipientsOf(offered)).toEqual(addresses(berlinRep, newYorkRep, firstAdmin));
    const deadlines = new Map([
      [berlinRep.email, 'Wed 4 Mar 2026, 10:00 CET'],
      [newYorkRep.email, 'Wed 4 Mar 2026, 04:00 EST'],
      [firstAdmin.email, 'Wed 4 Mar 2026, 09:00 UTC'],
    ]);
    for (const [address, deadline] of deadlines) {
      const mail = only(offered, address);
      expect(mail.subject).toMatch(/^New lead: /);
      for (const part of [mail.html, mail.text]) {
        expect(part).toContain(`#${opportunityId}`);
        expect(part).toContain('Consolidate three SAN arrays into one');
        expect(part).toContain('Germany');
        expect(part).toContain('Spring Storage Refresh');
        expect(part).toContain(valueBand(12_500_000, 'EUR'));
        expect(part).toContain(deadline);
      }
      const user = [berlinRep, newYorkRep, firstAdmin].find((u) => u.email === address)!;
      const claims = offerLinks(mail);
      expect(claims.map((c) => c.action).sort()).toEqual(['accept', 'decline']);
      for (const claim of claims) {
        expect(claim).toMatchObject({ offerId, userId: user.id, expiresAtMs: expiresAt.getTime() });
      }
    }
    // Berlin's and New York's deadlines are the same instant, worded for each.
    expect(only(offered, berlinRep.email).text).not.toContain('04:00 EST');
    expect(only(offered, newYorkRep.email).text).not.toContain('10:00 CET');

    // 2. The 24-hour reminder, as the timer job fires it, to the same people.
    const reminderAt = new Date(expiresAt.getTime() - 24 * HOUR_MS);
    clock.set(reminderAt);
    const fire = offerTimerProcessor(worker.deps);
    expect(await fire(await timerJob(offerId, reminderAt))).toBe('reminded');
    const reminded = await deliveredSinceLastLook();
    expect(recipientsOf(reminded)).toEqual(addresses(berlinRep, newYorkRep, firstAdmin));
    for (const [address, deadline] of deadlines) {
      const mail = only(reminded, address);
      expect(mail.subject).toMatch(/^Reminder: 24 hours left to answer/);
      expect(mail.html).toContain(deadline);
      expect(mail.text).toContain(deadline);
      expect(
        offerLinks(mail)
          .map((c) => c.action)
          .sort(),
      ).toEqual(['accept', 'decline']);
    }

    // 3. Silence until the deadline: "offer expired" to the first partner, the offer to the second.
    // The next checkpoint is the 4-hour reminder; fired as late as the deadline, it expires the offer.
    clock.set(expiresAt);
    expect(await fire(await timerJob(offerId, new Date(expiresAt.getTime() - 4 * HOUR_MS)))).toBe('expired');
    const expiredRound = await deliveredSinceLastLook();
    expect(recipientsOf(expiredRound)).toEqual(
      addresses(berlinRep, newYorkRep, firstAdmin, secondRep, secondAdmin),
    );
    for (const user of [berlinRep, newYorkRep, firstAdmin]) {
      const mail = only(expiredRound, user.email);
      expect(mail.subject).toBe(
        `Offer expired: Lead #${opportunityId}, Email storage for a mid-market manufacturer in Germany`,
      );
      expect(mail.text).toContain(`#${opportunityId}`);
    }
    const [secondOffer] = await database.db
      .select()
      .from(offers)
      .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
    expect(secondOffer!.partnerId).toBe(second.id);
    for (const user of [secondRep, secondAdmin]) {
      const mail = only(expiredRound, user.email);
      expect(mail.subject).toMatch(/^New lead: /);
      expect(offerLinks(mail).every((c) => c.offerId === secondOffer!.id && c.userId === user.id)).toBe(true);
    }

    // 4. The second partner's rep accepts: a confirmation to that rep alone, "lead accepted" to
    //    the managers who want it and to this campaign's coordinator.
    clock.advance(HOUR_MS);
    await accept(worker.deps, {
      offerId: secondOffer!.id,
      userId: secondRep.id,
      scope: { partnerId: second.id },
    });
    const acceptedRound = await deliveredSinceLastLook();
    expect(recipientsOf(acceptedRound)).toEqual(addresses(secondRep, people.manager, coordinator));
    const confirmation = only(acceptedRound, secondRep.email);
    expect(confirmation.text).toContain(`#${opportunityId}`);
    expect(confirmation.text).toContain(`${PUBLIC_URL}/leads/${opportunityId}`);
    const toManager = only(acceptedRound, people.manager.email);
    expect(toManager.subject).toBe(
      `Lead #${opportunityId} accepted by ${second.name}: Email storage in Germany`,
    );
    expect(toManager.text).toContain(`${PUBLIC_URL}/opportunities/${opportunityId}`);
    const toCoordinator = only(acceptedRound, coordinator.email);
    expect(toCoordinator.subject).toContain('Spring Storage Refresh');
    expect(toCoordinator.subject).toContain(second.name);
  });

  it('confirms a decline to the one who declined, and tells the managers when nobody is left', async () => {
    const lineOfBusiness = 'email-networking';
    const only1 = await makePartner(database.db, { tier: 'gold', productLines: [lineOfBusiness] });
    const decliner = await makeUser(database.db, { role: 'partner_rep', partnerId: only1.id });
    const colleague = await makeUser(database.db, { role: 'partner_rep', partnerId: only1.id });
    const customer = await makeCustomer(database.db, {
      name: 'Marrowgate Shipping Ltd',
      domain: 'marrowgate-shipping.example',
    });
    const { opportunityId, routing } = await submitOpportunity(
      worker.deps,
      opportunityInput(customer.id, { productLine: lineOfBusiness }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    expect(recipientsOf(await deliveredSinceLastLook())).toEqual(addresses(decliner, colleague));

    clock.advance(HOUR_MS);
    const declined = await declineAndReroute(worker.deps, {
      offerId: routing.timer.offerId,
      userId: decliner.id,
      reason: 'no_capacity',
      scope: { partnerId: only1.id },
    });
    expect(declined.next).toMatchObject({ kind: 'unroutable' });
    const round = await deliveredSinceLastLook();
    expect(recipientsOf(round)).toEqual(addresses(decliner, people.manager));
    const confirmation = only(round, decliner.email);
    expect(confirmation.text).toContain(`#${opportunityId}`);
    expect(confirmation.text).toContain('No capacity');
    const unroutable = only(round, people.manager.email);
    expect(unroutable.text).toContain(`#${opportunityId}`);
    expect(unroutable.text).toContain(`${PUBLIC_URL}/opportunities/${opportunityId}`);
    const [opportunity] = await database.db
      .select()
      .from(opportunities)
      .where(eq(opportunities.id, opportunityId));
    expect(opportunity!.status).toBe('unroutable');
  });

  it('sends the daily digest to every active manager, digest-only ones too, with the queue figures', async () => {
    // One offer left pending and due within the hour, to make the figures non-trivial.
    const lineOfBusiness = 'email-digest';
    const partner = await makePartner(database.db, { tier: 'gold', productLines: [lineOfBusiness] });
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    const customer = await makeCustomer(database.db);
    const { routing } = await submitOpportunity(
      worker.deps,
      opportunityInput(customer.id, { productLine: lineOfBusiness }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    expect(recipientsOf(await deliveredSinceLastLook())).toEqual(addresses(rep));
    clock.set(new Date(routing.timer.expiresAt.getTime() - HOUR_MS));

    const figures = await database.db.execute<{
      pending: number;
      expiring: number;
      unroutable: number;
      accepted: number;
    }>(sql`
      SELECT (SELECT count(*)::int FROM offers WHERE status = 'pending') AS pending,
             (SELECT count(*)::int FROM offers WHERE status = 'pending'
                AND expires_at <= ${clock.now().toISOString()}::timestamptz + interval '4 hours') AS expiring,
             (SELECT count(*)::int FROM opportunities WHERE status = 'unroutable') AS unroutable,
             (SELECT count(*)::int FROM offers WHERE status = 'accepted'
                AND responded_at > ${clock.now().toISOString()}::timestamptz - interval '24 hours') AS accepted`);
    const expected = figures[0]!;
    expect(expected).toEqual({ pending: 1, expiring: 1, unroutable: 1, accepted: 0 });

    expect(await createDailyDigests(database.db, clock.now())).toBe(2);
    expect(await createDailyDigests(database.db, clock.now())).toBe(0);
    const digests = await deliveredSinceLastLook();
    expect(recipientsOf(digests)).toEqual(addresses(people.manager, people.digestOnly));
    for (const mail of digests) {
      expect(mail.subject).toMatch(/^Baton daily digest, .*: 1 pending, 1 expiring soon, 1 unroutable$/);
      expect(mail.text).toMatch(/Offers pending\W+1\b/);
      expect(mail.text).toMatch(/Accepted in the last 24 hours\W+0\b/);
      expect(mail.text).toContain(`${PUBLIC_URL}/queue`);
    }
  });

  it('sends a password reset to the account holder with a link that works', async () => {
    const rep = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId: (await makePartner(database.db)).id,
    });
    const deps = { db: database.db, clock };
    await requestPasswordReset(deps, rep.email.toUpperCase());
    await requestPasswordReset(deps, 'nobody-here@example.com');
    const round = await deliveredSinceLastLook();
    expect(recipientsOf(round)).toEqual(addresses(rep));
    const mail = round[0]!;
    const link = new RegExp(`${PUBLIC_URL}/reset-password/([A-Za-z0-9._-]+)`);
    const fromText = link.exec(mail.text)?.[1];
    const fromHtml = link.exec(mail.html)?.[1];
    expect(fromText).toBeTruthy();
    expect(fromHtml).toBe(fromText);
    expect(await checkPasswordReset(deps, SECRET, fromText!)).toMatchObject({ userId: rep.id });
  });

  it('skips, and sends nothing for, an offer answered before its email went out', async () => {
    const lineOfBusiness = 'email-quick';
    const partner = await makePartner(database.db, { tier: 'gold', productLines: [lineOfBusiness] });
    const quick = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    const slow = await makeUser(database.db, { role: 'partner_admin', partnerId: partner.id });
    const customer = await makeCustomer(database.db, {
      name: 'Brightwater Lumen SA',
      domain: 'brightwater-lumen.example',
    });

    // Hold the email queue: the rows are made and queued, but no email goes out yet.
    await worker.emailQueue.pause();
    try {
      const { routing } = await submitOpportunity(
        worker.deps,
        opportunityInput(customer.id, { productLine: lineOfBusiness }),
      );
      if (routing.kind !== 'offered') throw new Error('expected an offer');
      await eventually(
        async () => {
          const rows = await database.db
            .select({ id: notifications.id })
            .from(notifications)
            .where(and(eq(notifications.offerId, routing.timer.offerId), eq(notifications.audience, 'user')));
          if (rows.length !== 2) return false;
          const jobs = await Promise.all(rows.map((r) => worker.emailQueue.getJob(`email-${r.id}`)));
          return jobs.every(Boolean);
        },
        10_000,
        'the offer emails to be queued',
      );
      await accept(worker.deps, {
        offerId: routing.timer.offerId,
        userId: quick.id,
        scope: { partnerId: partner.id },
      });
    } finally {
      await worker.emailQueue.resume();
    }

    const round = await deliveredSinceLastLook();
    expect(round.some((m) => m.subject.startsWith('New lead'))).toBe(false);
    expect(recipientsOf(round)).toEqual(addresses(quick, people.manager));
    const offerEmails = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, 'offer_new'), inArray(notifications.userId, [quick.id, slow.id])));
    expect(offerEmails.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(offerEmails.every((r) => r.sentAt === null && /answered or ended/.test(r.lastError ?? ''))).toBe(
      true,
    );
  });

  it('never carried a customer name or domain in any email of this file, and failed none', async () => {
    expect(sink.messages.length).toBeGreaterThan(20);
    await expectNoCustomerIdentity(sink.messages);
    const failed = await database.db
      .select({ id: notifications.id })
      .from(notifications)
      .where(eq(notifications.status, 'failed'));
    expect(failed).toEqual([]);
    expect(sink.messages.every((m) => notificationIdOf(m) !== null)).toBe(true);
    expect(workerLog.filter((line) => /failed|error/i.test(line))).toEqual([]);
  });
});
