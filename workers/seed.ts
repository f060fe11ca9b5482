import { count, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { customers, notifications, offers, opportunities, partners, users } from '../db/schema';
import { HOUR_MS, systemClock, type Clock } from '../app/domain/clock';
import { loadRoutingSettings } from '../app/domain/routing/settings.server';
import { hashPassword } from '../app/utils/password.server';
import { insertCampaigns } from './seed/campaigns';
import { insertRegistrations } from './seed/registrations';
import { PARTNERS } from './seed/partners-data';
import { planScripts } from './seed/plan';
import { playScripts } from './seed/play';
import { Random } from './seed/random';
import { insertCustomers, insertPartners, insertUsers } from './seed/roster';

export interface SeedOptions {
  password: string;
  /** The present the demo history leads up to; live offers' deadlines lie after it. */
  clock?: Clock;
}

export type SeedResult =
  | { seeded: false; message: string }
  | { seeded: true; message: string; byStatus: Record<string, number>; pendingOffers: number };

const DAY_MS = 24 * HOUR_MS;
const RANDOM_SEED = 20_040_048;
const CONCURRENCY = 8;

/**
 * Demo data for a fresh database: partners, their users, customers, campaigns, and a few hundred
 * opportunities played through the real routing loop over the past months, ending with live
 * offers whose deadlines lie ahead. Does nothing if any partner exists.
 */
export async function seedDemoData(db: Database, options: SeedOptions): Promise<SeedResult> {
  const [existing] = await db.select({ n: count() }).from(partners);
  if (existing!.n > 0) {
    return { seeded: false, message: `demo data not seeded: ${existing!.n} partners already exist` };
  }
  const started = Date.now();
  const realNow = (options.clock ?? systemClock).now().getTime();
  const since = new Date(realNow - 200 * DAY_MS);
  const random = new Random(RANDOM_SEED);

  // One scrypt hash shared by every demo user: all have the same password, and hashing ~90
  // users at login-grade cost would take seconds. Real users each get their own salted hash.
  const passwordHash = await hashPassword(options.password);
  const partnerRows = await insertPartners(db, since);
  const roster = await insertUsers(db, partnerRows, passwordHash, random, since);
  const customerRows = await insertCustomers(db, partnerRows, random, since);
  const campaigns = await insertCampaigns(db, {
    realNow,
    coordinatorId: roster.coordinatorId,
    partners: partnerRows,
    customers: customerRows,
  });

  const settings = await loadRoutingSettings(db);
  const scripts = planScripts({
    random,
    realNow,
    windowMs: settings.windowHours * HOUR_MS,
    customers: customerRows,
    partners: partnerRows,
    campaigns,
    managerId: roster.managerId,
    coordinatorId: roster.coordinatorId,
  });
  const cast = { managerId: roster.managerId, repOf: (id: number) => roster.repByPartner.get(id)! };
  await playScripts(db, scripts, cast, CONCURRENCY);
  await insertRegistrations(db, { managerId: roster.managerId, repByPartner: roster.repByPartner, realNow });
  await finishingTouches(db, realNow);
  return summarise(db, Date.now() - started);
}

async function finishingTouches(db: Database, realNow: number) {
  for (const partner of PARTNERS.filter((p) => p.pausedForDays !== null)) {
    await db
      .update(partners)
      .set({ pausedUntil: new Date(realNow + partner.pausedForDays! * DAY_MS) })
      .where(eq(partners.slug, partner.slug));
  }
  // The history's events were dealt with at the time; left pending, the mail worker would
  // send months of stale offers to the demo inboxes on its first run.
  await db.update(notifications).set({ status: 'fanned_out' }).where(eq(notifications.status, 'pending'));
}

async function summarise(db: Database, elapsedMs: number): Promise<SeedResult> {
  const tally = (table: typeof partners | typeof users | typeof customers) =>
    db
      .select({ n: count() })
      .from(table)
      .then(([row]) => row!.n);
  const [partnerCount, userCount, customerCount, countries, statusRows, pendingOffers] = await Promise.all([
    tally(partners),
    tally(users),
    tally(customers),
    db.execute<{ n: number }>(sql`SELECT count(DISTINCT c)::int AS n FROM partners, unnest(countries) c`),
    db.select({ status: opportunities.status, n: count() }).from(opportunities).groupBy(opportunities.status),
    db
      .select({ n: count() })
      .from(offers)
      .where(eq(offers.status, 'pending'))
      .then(([row]) => row!.n),
  ]);
  const byStatus = Object.fromEntries(statusRows.map((r) => [r.status, r.n]));
  const total = statusRows.reduce((sum, r) => sum + r.n, 0);
  const statuses = statusRows.map((r) => `${r.n} ${r.status}`).join(', ');
  const message =
    `seeded ${partnerCount} partners in ${countries[0]!.n} countries, ${userCount} users, ` +
    `${customerCount} customers and ${total} opportunities (${statuses}) in ${(elapsedMs / 1000).toFixed(1)} s`;
  return { seeded: true, message, byStatus, pendingOffers };
}
