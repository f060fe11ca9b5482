import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { freePort, waitForPort } from '../../db/local-services';
import { campaignPartners, campaigns, contacts, notifications, offers, users } from '../../db/schema';
import { makeUser, TEST_PASSWORD } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { launchBrowser } from '../support/browser';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * The portal in a real browser: the production build under `npm start`'s server, Chromium (see tests/support/browser.ts)
 * driven by playwright-core, a scene seeded through the real routing loop. Also runs axe-core
 * on the main pages and saves their screenshots under docs/screenshots/.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const webServer = path.join(root, 'app', 'server', 'main.ts');
const axeScript = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
const screenshots = path.join(root, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
/** Production refuses to start without a secret for the links in email. */
const E2E_SECRET = 'e2e-only-secret-for-signing-email-links';

let database: TestDatabase;
let redisPrefix: string;
let server: ChildProcess | undefined;
let serverLog = '';
let browser: Browser | undefined;
let baseUrl: string;

const partnerIds: number[] = [];
const repOf = new Map<number, string>();
let managerEmail: string;
const scene = {
  acceptLead: 0,
  emailLead: 0,
  declineLead: 0,
  foreignLead: 0,
  unroutableLead: 0,
  lateJoinerId: 0,
  lateJoinerName: '',
  campaignId: 0,
  acceptCustomer: 'Nordlicht Maschinenbau GmbH',
};

beforeAll(async () => {
  database = await createTestDatabase();
  redisPrefix = testRedisPrefix();
  await seedScene();

  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  server = spawn(process.execPath, ['--import', 'tsx', webServer], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: redisPrefix,
      NODE_ENV: 'production',
      APP_SECRET: E2E_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    serverLog = (serverLog + chunk.toString()).slice(-8000);
  };
  server.stdout!.on('data', keep);
  server.stderr!.on('data', keep);
  const exited = new Promise<never>((_, reject) =>
    server!.once('exit', (code) => reject(new Error(`the web server exited (${code}):\n${serverLog}`))),
  );
  exited.catch(() => {});
  await Promise.race([waitForPort(port, 30_000), exited]);

  ({ browser } = await launchBrowser());
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    const force = setTimeout(() => server?.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(force);
  }
  await clearRedisPrefix().catch(() => {});
  await database?.drop();
});

/** Three partners selling storage in Germany, a rep at each, a channel manager, four leads. */
async function seedScene() {
  const db = database.db;
  const deps: LoopDeps = { db, clock: systemClock, timers: new RecordingTimers() };
  for (const [name, tier] of [
    ['Rheinwerk Systems', 'platinum'],
    ['Spree Data Partners', 'gold'],
    ['Isar IT Services', 'silver'],
  ] as const) {
    const partner = await makePartner(db, { name, tier, countries: ['DE'], productLines: ['storage'] });
    partnerIds.push(partner.id);
    const slug = name.split(' ')[0]!.toLowerCase();
    const rep = await makeUser(db, {
      role: 'partner_rep',
      partnerId: partner.id,
      name: `Rep at ${name}`,
      email: `rep@${slug}.test`,
      timezone: 'Europe/Berlin',
    });
    repOf.set(partner.id, rep.email);
  }
  managerEmail = (
    await makeUser(db, { role: 'channel_manager', name: 'Mara Manager', email: 'manager@baton.test' })
  ).email;

  const submit = async (need: string, customerName: string, overrides: Record<string, unknown> = {}) => {
    const domain = `${customerName.split(' ')[0]!.toLowerCase()}.example`;
    const customer = await makeCustomer(db, { name: customerName, domain, country: 'DE' });
    await db.insert(contacts).values({
      customerId: customer.id,
      name: 'Jonas Albers',
      email: `j.albers@${domain}`,
      phone: '+49 40 555 0142',
      consentToContact: true,
    });
    const { opportunityId, routing } = await submitOpportunity(
      deps,
      opportunityInput(customer.id, { need, ...overrides }),
    );
    return { opportunityId, routing: routing.kind };
  };
  scene.acceptLead = (await submit('Replace an ageing storage array', scene.acceptCustomer)).opportunityId;
  scene.emailLead = (
    await submit('Archive ten years of CAD drawings', 'Wesermarsch Werft GmbH')
  ).opportunityId;
  scene.declineLead = (
    await submit('Back up three plants to object storage', 'Elbtal Logistik AG')
  ).opportunityId;
  scene.foreignLead = (
    await submit('Expand the SAN for a new data hall', 'Mainfeld Chemie GmbH')
  ).opportunityId;
  // Nobody sells networking yet: routing gives up on this lead.
  const unroutable = await submit('Rewire two warehouses', 'Havelblick Handel KG', {
    productLine: 'networking',
  });
  if (unroutable.routing !== 'unroutable') throw new Error(`expected unroutable, got ${unroutable.routing}`);
  scene.unroutableLead = unroutable.opportunityId;
  // A partner that joins afterwards: a channel manager can hand it the lead.
  const late = await makePartner(db, {
    name: 'Ostsee Netzwerke',
    tier: 'gold',
    countries: ['DE'],
    productLines: ['networking'],
  });
  scene.lateJoinerId = late.id;
  scene.lateJoinerName = late.name;

  // A joint campaign two partners joined, with one lead accepted: its page has figures to chart.
  const coordinator = await makeUser(db, {
    role: 'campaign_coordinator',
    name: 'Cora Coordinator',
    email: 'coordinator@baton.test',
  });
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: 'Storage refresh north',
      goal: 'Replace ageing arrays at mid-market manufacturers in northern Germany.',
      status: 'active',
      budgetMinor: 5_000_000,
      currency: 'EUR',
      targetCountries: ['DE'],
      targetProductLines: ['storage'],
      coordinatorUserId: coordinator.id,
    })
    .returning();
  scene.campaignId = campaign!.id;
  await db
    .insert(campaignPartners)
    .values(
      partnerIds
        .slice(0, 2)
        .map((partnerId) => ({ campaignId: campaign!.id, partnerId, status: 'joined' as const })),
    );
  const campaignLead = await submit('Tier two storage for the Kiel plant', 'Kieler Förderanlagen GmbH', {
    campaignId: campaign!.id,
  });
  const offer = await pendingOfferOf(campaignLead.opportunityId);
  await accept(deps, { offerId: offer!.id, userId: null });
}

async function pendingOfferOf(opportunityId: number) {
  const [offer] = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return offer;
}

async function clearRedisPrefix() {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A fresh browser context (its own cookies) signed in through the real sign-in page. */
async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
  return { context, page };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core on the page as it stands; the serious and critical violations, described. */
async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: a <script> tag would be refused by the page's
  // content security policy, as it should be.
  await page.evaluate(readFileSync(axeScript, 'utf8'));
  const { violations, passed } = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: () => Promise<{ violations: unknown[]; passes: unknown[] }> } }
    ).axe;
    const result = await axe.run();
    return { violations: result.violations, passed: result.passes.length };
  });
  if (process.env.AXE_VERBOSE) {
    console.log(`[axe] ${new URL(page.url()).pathname}: ${passed} rules passed`);
    for (const v of violations as AxeViolation[]) {
      console.log(`[axe] ${new URL(page.url()).pathname}: ${v.id} (${v.impact}) ${v.nodes.length} node(s)`);
    }
  }
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${new URL(page.url()).pathname}: ${v.id} (${v.impact}) ${v.help}: ` +
        v.nodes.map((n) => `${n.target.join(' ')} ${n.html}`).join(' | '),
    );
}

const axeFindings: string[] = [];
async function checkPage(page: Page, screenshot?: string) {
  axeFindings.push(...(await seriousAxeViolations(page)));
  if (screenshot) await page.screenshot({ path: path.join(screenshots, `${screenshot}.png`) });
}

describe('the portal in Chromium', () => {
  it('shows the sign-in page', async () => {
    const context = await browser!.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await checkPage(page, 'sign-in');
    await context.close();
  });

  it('keeps a freshly signed-in user on the portal, whatever sign-in was asked to return to', async () => {
    // Each is a path to a string check and another site to the browser's URL parser.
    const hostile = ['/\\evil.example/', '/\t/evil.example/', '/./\\evil.example', '/.//evil.example/x'];
    const context = await browser!.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      for (const target of hostile) {
        await context.clearCookies();
        await page.goto(`${baseUrl}/sign-in?${new URLSearchParams({ redirectTo: target })}`);
        await page.getByLabel('Work email').fill(managerEmail);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((url) => url.pathname !== '/sign-in');
        expect(new URL(page.url()).origin, `redirectTo ${JSON.stringify(target)}`).toBe(baseUrl);
      }
      // A path on the portal is still where sign-in returns to.
      await context.clearCookies();
      await page.goto(`${baseUrl}/sign-in?${new URLSearchParams({ redirectTo: '/customers?q=a#top' })}`);
      await page.getByLabel('Work email').fill(managerEmail);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/customers');
      expect(page.url()).toBe(`${baseUrl}/customers?q=a#top`);
    } finally {
      await context.close();
    }
  });

  it('lets a rep accept an offer from the inbox and opens the customer record', async () => {
    const offer = await pendingOfferOf(scene.acceptLead);
    expect(offer).toBeDefined();
    const { context, page } = await signedIn(repOf.get(offer!.partnerId)!);
    expect(new URL(page.url()).pathname).toBe('/inbox');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await checkPage(page, 'inbox');

    await page.getByRole('link', { name: 'Replace an ageing storage array' }).click();
    await page.waitForURL(`**/inbox/${offer!.id}`);
    await page.getByRole('heading', { name: 'Why you got this lead' }).waitFor();
    await checkPage(page, 'offer');

    await page.getByRole('button', { name: 'Accept this lead' }).click();
    await page.waitForURL(`**/leads/${scene.acceptLead}`);
    await page.getByRole('heading', { level: 1, name: scene.acceptCustomer }).waitFor();
    await page.getByText('j.albers@nordlicht.example').first().waitFor();
    expect((await pendingOfferOf(scene.acceptLead)) ?? null).toBeNull();
    await checkPage(page, 'customer-record');

    await page.goto(`${baseUrl}/leads`);
    await page.getByRole('heading', { name: 'My leads' }).waitFor();
    await expect(page.getByText(scene.acceptCustomer).first().isVisible()).resolves.toBe(true);
    await checkPage(page, 'leads');
    await context.close();
  });

  it('lets a rep accept a lead with the one-click link from the offer email, without signing in', async () => {
    const offer = await pendingOfferOf(scene.emailLead);
    const [rep] = await database.db
      .select()
      .from(users)
      .where(eq(users.email, repOf.get(offer!.partnerId)!));
    await fanOutPending(database.db);
    const [email] = await database.db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.offerId, offer!.id),
          eq(notifications.kind, 'offer_new'),
          eq(notifications.userId, rep!.id),
        ),
      );
    const composed = await composeNotificationEmail(database.db, email!.id, {
      publicUrl: baseUrl,
      secret: E2E_SECRET,
      now: new Date(),
    });
    if (composed.kind !== 'message' || composed.message.kind !== 'offer_new')
      throw new Error('no offer email');

    const context = await browser!.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(composed.message.links.acceptUrl);
    await page.getByRole('heading', { name: 'Accept this lead?' }).waitFor();
    // Opening the link, as a mail scanner would, answers nothing.
    expect(await pendingOfferOf(scene.emailLead)).toMatchObject({ id: offer!.id });
    await checkPage(page, 'email-accept');
    await page.getByRole('button', { name: 'Accept this lead' }).click();
    await page.getByRole('heading', { name: 'Accepted' }).waitFor();
    expect((await pendingOfferOf(scene.emailLead)) ?? null).toBeNull();

    await page.goto(composed.message.links.acceptUrl);
    await page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
    await context.close();
  });

  it('moves a declined lead on to the next partner’s inbox', async () => {
    const first = await pendingOfferOf(scene.declineLead);
    const { context, page } = await signedIn(repOf.get(first!.partnerId)!);
    await page.goto(`${baseUrl}/inbox/${first!.id}`);
    await page.getByLabel('Reason').selectOption({ index: 1 });
    await page.getByLabel('Note (optional)').fill('Our storage team is booked until spring.');
    await page.getByRole('button', { name: 'Decline this lead' }).click();
    await page.waitForURL((url) => url.pathname === '/inbox');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(await page.getByRole('link', { name: 'Back up three plants to object storage' }).count()).toBe(0);
    await context.close();

    const next = await pendingOfferOf(scene.declineLead);
    expect(next).toBeDefined();
    expect(next!.partnerId).not.toBe(first!.partnerId);
    const other = await signedIn(repOf.get(next!.partnerId)!);
    await other.page.getByRole('link', { name: 'Back up three plants to object storage' }).waitFor();
    await other.context.close();
  });

  it('lets a channel manager offer an unroutable lead by hand', async () => {
    const { context, page } = await signedIn(managerEmail);
    expect(new URL(page.url()).pathname).toBe('/queue');
    await page.getByRole('heading', { name: 'Routing queue' }).waitFor();
    await checkPage(page, 'queue');

    await page.goto(`${baseUrl}/opportunities/${scene.unroutableLead}`);
    await page.getByLabel('Partner', { exact: true }).selectOption(String(scene.lateJoinerId));
    await page.getByRole('button', { name: 'Offer the lead' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'offer');
    await page.getByText(`Waiting for ${scene.lateJoinerName}`).waitFor();
    const offer = await pendingOfferOf(scene.unroutableLead);
    expect(offer).toMatchObject({ partnerId: scene.lateJoinerId, status: 'pending' });
    await checkPage(page, 'opportunity');

    await page.goto(`${baseUrl}/notifications`);
    await page.getByRole('heading', { name: 'Notification log' }).waitFor();
    await checkPage(page, 'notification-log');
    await page.goto(`${baseUrl}/settings/notifications`);
    await page.getByRole('heading', { name: 'Email settings' }).waitFor();
    await checkPage(page);
    await context.close();
  });

  it('shows customers, registrations, campaigns and imports to vendor staff', async () => {
    const { context, page } = await signedIn(managerEmail);
    await page.goto(`${baseUrl}/customers`);
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    await checkPage(page, 'customers');
    await page.goto(`${baseUrl}/registrations`);
    await page.getByRole('heading', { name: 'Registrations', level: 1 }).waitFor();
    await checkPage(page);
    await page.goto(`${baseUrl}/imports`);
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    await checkPage(page, 'imports');
    await context.close();

    const coordinator = await signedIn('coordinator@baton.test');
    await coordinator.page.goto(`${baseUrl}/campaigns`);
    await coordinator.page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    await checkPage(coordinator.page);
    await coordinator.page.goto(`${baseUrl}/campaigns/${scene.campaignId}`);
    await coordinator.page.getByRole('heading', { name: 'Storage refresh north', level: 1 }).waitFor();
    await checkPage(coordinator.page, 'campaign');
    await coordinator.context.close();
  });

  it('answers a partner user who opens another partner’s offer with the 404 page', async () => {
    const offer = await pendingOfferOf(scene.foreignLead);
    const stranger = partnerIds.find((id) => id !== offer!.partnerId)!;
    const { context, page } = await signedIn(repOf.get(stranger)!);
    const response = await page.goto(`${baseUrl}/inbox/${offer!.id}`);
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await page.getByText('Expand the SAN for a new data hall').count()).toBe(0);
    await context.close();
  });

  it('fits a phone screen: no page scrolls sideways at 390 px', async () => {
    const overflowing: string[] = [];
    const widthOf = async (page: Page, pathname: string) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${baseUrl}${pathname}`);
      // Wide tables scroll inside their own box; the page itself must not.
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      if (scrollWidth > innerWidth + 1) overflowing.push(`${pathname}: ${scrollWidth}px`);
    };
    const rep = await signedIn(repOf.get(partnerIds[0]!)!);
    for (const pathname of ['/inbox', '/leads', '/company']) await widthOf(rep.page, pathname);
    await rep.context.close();
    const manager = await signedIn('manager@baton.test');
    for (const pathname of [
      '/queue',
      '/partners',
      '/settings/routing',
      '/opportunities/new',
      '/notifications',
      '/settings/notifications',
      '/customers',
      '/registrations',
      '/imports',
      `/campaigns/${scene.campaignId}`,
    ]) {
      await widthOf(manager.page, pathname);
    }
    await manager.context.close();
    expect(overflowing).toEqual([]);
  });

  it('finds no serious or critical accessibility violation on the main pages', () => {
    expect(axeFindings).toEqual([]);
  });
});
