import { DelayedError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { and, eq, gt, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../app/domain/clock';
import { queueEmails, type EmailJob } from '../../app/domain/notifications/email-queue.server';
import { submitOpportunity } from '../../app/domain/routing/loop.server';
import { requestPasswordReset } from '../../app/utils/password-reset.server';
import { startPrivateRedis, type LocalService } from '../../db/local-services';
import { notifications } from '../../db/schema';
import { createMailer, messageIdFor } from '../../emails/transport.server';
import { emailProcessor } from '../../workers/email.processor';
import { startWorker, type RunningWorker, type WorkerOptions } from '../../workers/start-worker';
import { makeUser } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { notificationIdOf, startMailSink, type MailSink } from '../support/mail-sink';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import { eventually } from '../support/worker-process';

const SECRET = 'email-delivery-faults-test-secret-0123456789';

let database: TestDatabase;
// FLUSHALL wipes a whole server, so this file gets a redis-server of its own.
let redisServer: LocalService;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  [database, redisServer] = await Promise.all([
    createTestDatabase(),
    startPrivateRedis('.data/test-email-faults'),
  ]);
});
afterAll(async () => {
  // Workers first: they hold connections to the sink, Redis and the database.
  for (const thing of running.reverse()) await thing.stop().catch(() => {});
  await database?.drop();
  await redisServer?.stop();
});

async function sinkForTest(): Promise<MailSink> {
  const sink = await startMailSink();
  running.push(sink);
  return sink;
}

async function workerForTest(sink: MailSink, overrides: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  const worker = await startWorker({
    databaseUrl: database.url,
    redisUrl: redisServer.url,
    prefix: testRedisPrefix(),
    concurrency: 4,
    // Only the tests run the reconciler, so that nothing but the path under test repairs.
    reconcileEveryMs: 600_000,
    stalledMs: 5000,
    log: () => {},
    ...overrides,
    email: {
      smtpUrl: sink.url,
      from: 'Baton <baton@baton.local>',
      publicUrl: 'https://partners.baton.test',
      secret: SECRET,
      retryBaseMs: 100,
      digestHourUtc: (new Date().getUTCHours() + 12) % 24,
      relayEveryMs: 100,
    },
  });
  running.push(worker);
  return worker;
}

/** Partners of a product line of the test's own, each with two active users. */
async function partnersWithUsers(productLine: string, count: number) {
  const partners = [];
  for (let i = 0; i < count; i++) {
    const partner = await makePartner(database.db, { productLines: [productLine], maxOpen: 1000 });
    await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    await makeUser(database.db, { role: 'partner_admin', partnerId: partner.id });
    partners.push(partner);
  }
  return partners;
}

async function offerLeads(productLine: string, count: number) {
  const customer = await makeCustomer(database.db);
  const deps = { db: database.db, clock: systemClock, timers: { schedule: async () => {} } };
  await Promise.all(
    Array.from({ length: count }, () =>
      submitOpportunity(deps, opportunityInput(customer.id, { productLine })).then(({ routing }) => {
        // not_waiting: a worker's reconciler, starting up, routed it first; the offer is made.
        if (routing.kind !== 'offered' && routing.kind !== 'not_waiting') {
          throw new Error(`expected an offer, got ${routing.kind}`);
        }
      }),
    ),
  );
}

async function lastNotificationId(): Promise<number> {
  const [row] = await database.db.select({ id: sql<number>`coalesce(max(id), 0)::int` }).from(notifications);
  return row!.id;
}

async function emailRowsAfter(id: number) {
  return database.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.audience, 'user'), gt(notifications.id, id)))
    .orderBy(notifications.id);
}

/** No event waits for fan-out and every email row from `afterId` on is sent. */
async function everythingSent(afterId: number, timeoutMs: number, sink: MailSink) {
  await eventually(
    async () => {
      const [unsent] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(notifications)
        .where(and(gt(notifications.id, afterId), sql`status NOT IN ('sent', 'fanned_out')`));
      return unsent!.n === 0;
    },
    timeoutMs,
    'every email row to be sent',
  );
  // The "250 OK" reaches the worker after the sink has the message: both have happened by now.
  const rows = await emailRowsAfter(afterId);
  await sink.waitFor(
    (messages) => messages.filter((m) => (notificationIdOf(m) ?? 0) > afterId).length >= rows.length,
    5000,
  );
  return rows;
}

/** Exactly one message per email row, to the row's recipient, and no message for anything else. */
function expectExactlyOnce(
  sink: MailSink,
  rows: { id: number; recipientEmail: string | null }[],
  afterId: number,
) {
  const caught = sink.messages.filter((m) => (notificationIdOf(m) ?? 0) > afterId);
  const ids = caught.map((m) => notificationIdOf(m)!).sort((a, b) => a - b);
  expect(ids).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));
  for (const row of rows) {
    const [mail] = sink.withMessageId(messageIdFor(row.id));
    expect(mail!.to).toEqual([row.recipientEmail]);
  }
}

describe('email delivery when things go wrong', () => {
  it('delivers every email exactly once across a mail server outage in the middle of a stream of offers', async () => {
    const sink = await sinkForTest();
    const before = await lastNotificationId();
    await partnersWithUsers('faults-outage', 4);
    const worker = await workerForTest(sink);

    await offerLeads('faults-outage', 10);
    await sink.waitFor(20, 15_000);

    // The server goes down while the second burst's emails are on their way.
    await offerLeads('faults-outage', 15);
    await sink.waitFor(21, 15_000);
    await sink.stop();
    // Retries run into the outage: the rows record each try and its error, none is lost.
    await eventually(
      async () => {
        const rows = await emailRowsAfter(before);
        return rows.filter((r) => r.status === 'pending' && r.attempts >= 3).length >= 5;
      },
      20_000,
      'emails to be retried during the outage',
    );
    await offerLeads('faults-outage', 15);
    await eventually(
      async () => (await emailRowsAfter(before)).length === 80,
      10_000,
      'the third burst to be fanned out',
    );
    const duringOutage = await emailRowsAfter(before);
    const waiting = duringOutage.filter((r) => r.status !== 'sent');
    expect(waiting.length).toBeGreaterThanOrEqual(35);
    expect(waiting.every((r) => r.sentAt === null)).toBe(true);
    const retried = waiting.filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(5);
    for (const row of retried) {
      expect(row.status).not.toBe('failed');
      expect(row.lastError, `email row ${row.id}`).toMatch(/ECONNREFUSED|connect|closed|421|shutting down/i);
    }

    await sink.start();
    await offerLeads('faults-outage', 10);
    const rows = await everythingSent(before, 40_000, sink);
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.status === 'sent' && r.sentAt !== null && r.lastError === null)).toBe(true);
    expectExactlyOnce(sink, rows, before);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    await worker.stop();
  });

  it('sends an email once however often its job is delivered', async () => {
    const sink = await sinkForTest();
    const before = await lastNotificationId();
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const other = await makeUser(database.db, { role: 'channel_manager' });
    const deps = { db: database.db, clock: systemClock };
    await requestPasswordReset(deps, user.email);
    await requestPasswordReset(deps, other.email);
    const [first, second] = await emailRowsAfter(before);

    // The processor on its own, as BullMQ would call it: twice in a row and twice at once.
    const mailer = createMailer(sink.url, 'Baton <baton@baton.local>');
    try {
      const process = emailProcessor({
        db: database.db,
        clock: systemClock,
        mailer,
        publicUrl: 'https://partners.baton.test',
        secret: SECRET,
      });
      // Only what the processor reads; a busy row moves the job to later, which is recorded.
      const delayedUntil: number[] = [];
      const jobFor = (id: number) =>
        ({
          id: `email-${id}`,
          data: { notificationId: id },
          attemptsMade: 0,
          opts: { attempts: 10 },
          moveToDelayed: async (at: number) => void delayedUntil.push(at),
        }) as unknown as Job<EmailJob>;
      expect(await process(jobFor(first!.id))).toBe('sent');
      expect(await process(jobFor(first!.id))).toBe('settled');

      const together = await Promise.allSettled([process(jobFor(second!.id)), process(jobFor(second!.id))]);
      expect(together.filter((r) => r.status === 'fulfilled' && r.value === 'sent')).toHaveLength(1);
      // The other found the row taken, and waits for the lease to run out without using a try,
      // or found it already sent.
      for (const outcome of together) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(DelayedError);
          expect(delayedUntil).toHaveLength(1);
          expect(delayedUntil[0]!).toBeGreaterThan(Date.now() + 60_000);
        } else expect(['sent', 'settled']).toContain(outcome.value);
      }
    } finally {
      mailer.close();
    }
    await sink.waitFor(2, 5000);

    // A worker then gets both jobs again, after they completed: nothing more goes out.
    const worker = await workerForTest(sink);
    await queueEmails(worker.emailQueue, [first!.id, second!.id], 100);
    await eventually(
      async () => {
        const counts = await worker.emailQueue.getJobCounts(
          'wait',
          'active',
          'delayed',
          'prioritized',
          'failed',
        );
        return Object.values(counts).every((n) => n === 0);
      },
      10_000,
      'the repeated jobs to finish',
    );
    const rows = await emailRowsAfter(before);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
    expectExactlyOnce(sink, rows, before);
    await worker.stop();
  });

  it('a sender whose lease ran out cannot undo the send of the one that took the email over', async () => {
    const before = await lastNotificationId();
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const clock = new ManualClock(new Date());
    await requestPasswordReset({ db: database.db, clock }, user.email);
    const [row] = await emailRowsAfter(before);

    // Two senders whose SMTP conversations end when the test says so.
    const gate = () => {
      let release!: (error?: Error) => void;
      const done = new Promise<void>((resolve, reject) => {
        release = (error) => (error ? reject(error) : resolve());
      });
      return { done, release };
    };
    const slow = gate();
    const fast = gate();
    const started: string[] = [];
    const mailerOf = (name: string, conversation: Promise<void>) => ({
      send: async () => {
        started.push(name);
        await conversation;
      },
      close: () => {},
    });
    const context = { db: database.db, clock, publicUrl: 'https://partners.baton.test', secret: SECRET };
    const job = {
      id: `email-${row!.id}`,
      data: { notificationId: row!.id },
      attemptsMade: 0,
      opts: { attempts: 10 },
    };
    const first = emailProcessor({ ...context, mailer: mailerOf('first', slow.done) })(job as Job<EmailJob>);
    await eventually(async () => started.length === 1, 5000, 'the first sender to start');

    // The first sender hangs past its lease; BullMQ hands the job to a second one.
    clock.advance(121_000);
    const second = emailProcessor({ ...context, mailer: mailerOf('second', fast.done) })({
      ...job,
      attemptsMade: 1,
    } as Job<EmailJob>);
    await eventually(async () => started.length === 2, 5000, 'the second sender to start');
    // The first conversation fails after all; the second one goes through.
    slow.release(new Error('Connection timeout'));
    await expect(first).rejects.toThrow('Connection timeout');
    fast.release();
    expect(await second).toBe('sent');

    const [after] = await emailRowsAfter(before);
    expect(after).toMatchObject({ status: 'sent', attempts: 2 });
    expect(after!.sentAt).not.toBeNull();
  });

  it('delivers every email once when Redis loses its jobs while the mail server is down', async () => {
    const sink = await sinkForTest();
    const before = await lastNotificationId();
    await partnersWithUsers('faults-flush', 3);
    await sink.stop();
    const worker = await workerForTest(sink);

    await offerLeads('faults-flush', 20);
    await eventually(
      async () => {
        const rows = await emailRowsAfter(before);
        return rows.length === 40 && rows.every((r) => r.status === 'pending' && r.attempts >= 2);
      },
      20_000,
      'every email to wait for a retry',
    );
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    try {
      await redis.flushall();
      expect(await redis.dbsize()).toBe(0);
    } finally {
      redis.disconnect();
    }

    const report = await worker.reconcileNow();
    expect(report.emailsRequeued).toBeGreaterThanOrEqual(40);
    await sink.start();
    const rows = await everythingSent(before, 40_000, sink);
    expect(rows).toHaveLength(40);
    expectExactlyOnce(sink, rows, before);
    await worker.stop();
  });

  it('two workers on one queue deliver every email once', async () => {
    const sink = await sinkForTest();
    const before = await lastNotificationId();
    await partnersWithUsers('faults-pair', 3);
    const prefix = testRedisPrefix();
    const [one, two] = await Promise.all([workerForTest(sink, { prefix }), workerForTest(sink, { prefix })]);

    for (let burst = 0; burst < 3; burst++) await offerLeads('faults-pair', 15);
    const rows = await everythingSent(before, 40_000, sink);
    expect(rows).toHaveLength(90);
    expectExactlyOnce(sink, rows, before);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    await Promise.all([one.stop(), two.stop()]);
  });
});
