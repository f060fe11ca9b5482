import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../app/utils/password.server';
import { checkInvariants } from '../../db/check-invariants';
import { seedDemoData, type SeedResult } from '../../workers/seed';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let first: SeedResult;

const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  database = await createTestDatabase();
  first = await seedDemoData(database.db, { password: PASSWORD });
});
afterAll(() => database.drop());

const sql = () => database.client;

describe('the demo data', () => {
  it('brings at least forty partners across ten countries and every tier', async () => {
    expect(first.seeded).toBe(true);
    const [partners] = await sql()`
      SELECT count(*)::int AS n,
             (SELECT count(DISTINCT c)::int FROM partners, unnest(countries) c) AS countries,
             array_agg(DISTINCT tier ORDER BY tier) AS tiers
      FROM partners`;
    expect(partners!.n).toBeGreaterThanOrEqual(40);
    expect(partners!.countries).toBeGreaterThanOrEqual(10);
    expect(partners!.tiers).toEqual(['gold', 'platinum', 'registered', 'silver']);
    const slugs = await sql()`SELECT slug FROM partners`;
    for (const { slug } of slugs) expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('includes partners that are out of office, suspended or inactive', async () => {
    const [row] = await sql()`
      SELECT count(*) FILTER (WHERE paused_until > now())::int AS paused,
             count(*) FILTER (WHERE status = 'suspended')::int AS suspended,
             count(*) FILTER (WHERE status = 'inactive')::int AS inactive
      FROM partners`;
    expect(row!.paused).toBeGreaterThanOrEqual(1);
    expect(row!.suspended).toBeGreaterThanOrEqual(1);
    expect(row!.inactive).toBeGreaterThanOrEqual(1);
  });

  it('keeps customer names in Persian and Chinese script beside Latin ones, each with contacts', async () => {
    const names = (await sql()`SELECT name FROM customers`).map((r) => r.name as string);
    expect(names).toContain('شرکت فناوری پارس');
    expect(names).toContain('上海云启科技有限公司');
    expect(names.some((n) => /^[A-Za-z]/.test(n))).toBe(true);
    const [orphans] = await sql()`
      SELECT count(*)::int AS n FROM customers c
      WHERE NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id)`;
    expect(orphans!.n).toBe(0);
  });

  it('has opportunities at every stage, with the value of won deals and the reason for lost ones', async () => {
    const rows = await sql()`SELECT status, count(*)::int AS n FROM opportunities GROUP BY status`;
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    for (const status of [
      'offered',
      'accepted',
      'contacted',
      'proposal',
      'won',
      'lost',
      'unroutable',
      'withdrawn',
    ]) {
      expect(byStatus[status], status).toBeGreaterThan(0);
    }
    expect(byStatus.new).toBeUndefined();
    const total = rows.reduce((sum, r) => sum + (r.n as number), 0);
    expect(total).toBeGreaterThanOrEqual(200);
    const [closed] = await sql()`
      SELECT count(*) FILTER (WHERE status = 'won' AND won_value_minor IS NULL)::int AS won_without_value,
             count(*) FILTER (WHERE status = 'lost' AND lost_reason IS NULL)::int AS lost_without_reason
      FROM opportunities`;
    expect(closed).toEqual({ won_without_value: 0, lost_without_reason: 0 });
  });

  it('leaves live offers on the queue with deadlines still ahead, some expiring soon', async () => {
    const [pending] = await sql()`
      SELECT count(*)::int AS n,
             count(*) FILTER (WHERE expires_at <= now())::int AS overdue,
             count(*) FILTER (WHERE expires_at < now() + interval '6 hours')::int AS soon
      FROM offers WHERE status = 'pending'`;
    expect(pending!.n).toBeGreaterThanOrEqual(20);
    expect(pending!.overdue).toBe(0);
    expect(pending!.soon).toBeGreaterThan(0);
  });

  it('records declines, expiries, reassignments and offers made by hand in the timelines', async () => {
    const rows = await sql()`
      SELECT kind, count(*)::int AS n FROM opportunity_events GROUP BY kind`;
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r.n]));
    for (const kind of ['created', 'offered', 'accepted', 'declined', 'expired', 'withdrawn', 'unroutable']) {
      expect(byKind[kind], kind).toBeGreaterThan(0);
    }
    const [byHand] = await sql()`SELECT count(*)::int AS n FROM offers WHERE offered_by_user_id IS NOT NULL`;
    expect(byHand!.n).toBeGreaterThan(0);
  });

  it('runs campaigns with joined partners and target accounts', async () => {
    const campaigns = await sql()`
      SELECT c.name,
             (SELECT count(*)::int FROM campaign_partners p WHERE p.campaign_id = c.id AND p.status = 'joined') AS joined,
             (SELECT count(*)::int FROM campaign_accounts a WHERE a.campaign_id = c.id) AS accounts,
             (SELECT count(*)::int FROM opportunities o WHERE o.campaign_id = c.id) AS leads
      FROM campaigns c`;
    const running = campaigns.filter((c) => c.joined > 0 && c.accounts > 0 && c.leads > 0);
    expect(running.length).toBeGreaterThanOrEqual(2);
  });

  it('lets staff and a rep and an admin of every partner sign in with the demo password', async () => {
    const staff = await sql()`
      SELECT email, role FROM users WHERE partner_id IS NULL ORDER BY email`;
    expect(staff.map((u) => [u.email, u.role])).toEqual([
      ['admin@baton.test', 'admin'],
      ['coordinator@baton.test', 'campaign_coordinator'],
      ['manager@baton.test', 'channel_manager'],
    ]);
    const [missing] = await sql()`
      SELECT count(*)::int AS n FROM partners p
      WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.email = 'rep@' || p.slug || '.test'
                          AND u.role = 'partner_rep' AND u.partner_id = p.id)
         OR NOT EXISTS (SELECT 1 FROM users u WHERE u.email = 'admin@' || p.slug || '.test'
                          AND u.role = 'partner_admin' AND u.partner_id = p.id)`;
    expect(missing!.n).toBe(0);
    const [manager] = await sql()`SELECT password_hash FROM users WHERE email = 'manager@baton.test'`;
    const [rep] = await sql()`SELECT password_hash FROM users WHERE email = 'rep@pars-data-systems.test'`;
    expect(await verifyPassword(PASSWORD, manager!.password_hash)).toBe(true);
    expect(await verifyPassword(PASSWORD, rep!.password_hash)).toBe(true);
    expect(await verifyPassword('baton-demo', rep!.password_hash)).toBe(false);
  });

  it('satisfies every invariant of the routing loop', async () => {
    expect(await checkInvariants(database.client, { reconcilerPeriodMs: 30_000 })).toEqual([]);
  });

  it('changes nothing when run a second time', async () => {
    const snapshot = () => sql()`
      SELECT (SELECT count(*) FROM partners) AS partners, (SELECT count(*) FROM users) AS users,
             (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM opportunities) AS opportunities,
             (SELECT count(*) FROM offers) AS offers, (SELECT count(*) FROM opportunity_events) AS events,
             (SELECT max(id) FROM opportunity_events) AS last_event`;
    const before = await snapshot();
    const second = await seedDemoData(database.db, { password: PASSWORD });
    expect(second.seeded).toBe(false);
    expect(second.message).toMatch(/already exist/);
    expect(await snapshot()).toEqual(before);
  });
});
