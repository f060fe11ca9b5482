import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { homeFor, type Role } from '../../app/utils/site-map';
import { makeUser, TEST_PASSWORD } from '../support/auth-fixtures';
import { launchBrowser } from '../support/browser';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import { startWebServer, stopWebServer, type WebServer } from '../support/web-server-process';

/**
 * The navigation gives each page its first screen back: at 1280×800 and at 390×844, for every
 * vendor role and a partner rep, the page's own heading and the start of its content are in the
 * first screen; the phone's menu works from the keyboard and without JavaScript; axe finds
 * nothing. Production build under `npm start`'s server, Chromium, real Postgres and Redis.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const axeScript = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
const screenshots = path.join(root, 'docs', 'screenshots');
const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * "In the first screen": the page's first line (a breadcrumb or the h1) starts within the top
 * 120 px at either size, the h1 ends within the top 200 px, and the content after the heading
 * starts at least 200 px above the screen's bottom edge, so a good part of it shows. Before this
 * layout the wide header alone was about 200 px tall and the phone's navigation 326 px.
 */
const FIRST_LINE_MAX_TOP = 120;
const H1_MAX_BOTTOM = 200;
const CONTENT_VISIBLE_PX = 200;

let database: TestDatabase;
let web: WebServer | undefined;
let browser: Browser | undefined;
let baseUrl: string;
const emailOf = {} as Record<Role, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  const deps: LoopDeps = { db, clock: systemClock, timers: new RecordingTimers() };
  const partner = await makePartner(db, { name: 'Rheinwerk Systems', countries: ['DE'] });
  for (const role of ['partner_rep', 'partner_admin'] as const) {
    emailOf[role] = (await makeUser(db, { role, partnerId: partner.id, name: `Rhea ${role}` })).email;
  }
  emailOf.channel_manager = (await makeUser(db, { role: 'channel_manager', name: 'Mara Manager' })).email;
  emailOf.campaign_coordinator = (
    await makeUser(db, { role: 'campaign_coordinator', name: 'Cora Coordinator' })
  ).email;
  emailOf.admin = (await makeUser(db, { role: 'admin', name: 'Ada Admin' })).email;
  // Offers in the rep's inbox and the manager's queue, so the pages show their real content.
  for (const need of ['Replace an ageing storage array', 'Archive ten years of CAD drawings']) {
    const customer = await makeCustomer(db, { country: 'DE' });
    await submitOpportunity(deps, opportunityInput(customer.id, { need }));
  }

  web = await startWebServer({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: testRedisPrefix(),
    APP_SECRET: 'e2e-only-secret-for-signing-email-links',
  });
  baseUrl = `http://127.0.0.1:${web.port}`;
  ({ browser } = await launchBrowser());
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await stopWebServer(web);
  await database?.drop();
});

/** A fresh context signed in through the real sign-in page; the landing page's status too. */
async function signedIn(
  role: Role,
  viewport = WIDE,
  javaScriptEnabled = true,
): Promise<{ context: BrowserContext; page: Page; landingStatus: number | undefined }> {
  const context = await browser!.newContext({ viewport, javaScriptEnabled });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Work email').fill(emailOf[role]);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
  // Sign-in moves on in the browser (a data request); the landing page asked for as a document.
  const landingStatus = (await page.request.get(page.url(), { headers: { Accept: 'text/html' } })).status();
  return { context, page, landingStatus };
}

interface FirstScreen {
  firstLineTop: number;
  h1Bottom: number;
  contentTop: number;
  viewportHeight: number;
}

/** Where main's first line, its h1 and the content after the heading block sit on the screen. */
function measureFirstScreen(page: Page): Promise<FirstScreen> {
  return page.evaluate(() => {
    const main = document.querySelector('main')!;
    const h1 = main.querySelector('h1')!;
    // The heading block is main's child that holds the h1; the page's own content follows it.
    const block = [...main.children].find((child) => child.contains(h1))!;
    const content = block.nextElementSibling ?? block;
    return {
      firstLineTop: main.firstElementChild!.getBoundingClientRect().top,
      h1Bottom: h1.getBoundingClientRect().bottom,
      contentTop: content.getBoundingClientRect().top,
      viewportHeight: window.innerHeight,
    };
  });
}

function misplaced(where: string, seen: FirstScreen): string[] {
  const problems: string[] = [];
  if (seen.firstLineTop > FIRST_LINE_MAX_TOP) problems.push(`${where}: first line at ${seen.firstLineTop}px`);
  if (seen.h1Bottom > H1_MAX_BOTTOM) problems.push(`${where}: h1 ends at ${seen.h1Bottom}px`);
  if (seen.contentTop > seen.viewportHeight - CONTENT_VISIBLE_PX)
    problems.push(`${where}: content starts at ${seen.contentTop}px of ${seen.viewportHeight}px`);
  return problems;
}

/** Every axe-core violation on the page as it stands, whatever its impact, described. */
async function axeViolations(page: Page): Promise<string[]> {
  // Through the DevTools protocol: the page's content security policy refuses a <script> tag.
  await page.evaluate(readFileSync(axeScript, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: () => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  const where = `${new URL(page.url()).pathname} at ${page.viewportSize()?.width}px`;
  return violations.map(
    (v) => `${where}: ${v.id} ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
  );
}

const menuButton = (page: Page) => page.locator('summary.site-menu__button');
const menuOpen = (page: Page) =>
  page.locator('details.site-menu').evaluate((d) => (d as HTMLDetailsElement).open);

describe('the navigation in Chromium', () => {
  const VIEWERS: Role[] = [
    'channel_manager',
    'campaign_coordinator',
    'admin',
    'partner_rep',
    'partner_admin',
  ];

  it('lands every role on its home, with the page’s heading and content in the first screen at both sizes', async () => {
    const problems: string[] = [];
    const measured: Record<string, FirstScreen> = {};
    for (const role of VIEWERS) {
      const { context, page, landingStatus } = await signedIn(role);
      expect(new URL(page.url()).pathname, role).toBe(homeFor(role).to);
      expect(landingStatus, `${role} landing`).toBe(200);
      for (const [size, viewport] of [
        ['wide', WIDE],
        ['phone', PHONE],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.reload();
        await page.locator('main h1').waitFor();
        const seen = await measureFirstScreen(page);
        measured[`${role} ${size}`] = seen;
        problems.push(...misplaced(`${role} ${homeFor(role).to} ${size}`, seen));
      }
      await context.close();
    }
    if (process.env.LAYOUT_VERBOSE) console.table(measured);
    expect(problems).toEqual([]);
  });

  it('puts the navigation beside the page on a wide screen, and marks the current page', async () => {
    const { context, page } = await signedIn('channel_manager');
    const nav = page.locator('.site-header__side nav');
    const navBox = (await nav.boundingBox())!;
    const mainBox = (await page.locator('main').boundingBox())!;
    expect(navBox.x + navBox.width).toBeLessThanOrEqual(mainBox.x);
    expect(await menuButton(page).isVisible()).toBe(false);
    await expect(nav.getByRole('link', { name: 'Routing queue' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );
    await expect(nav.getByRole('link', { name: 'Pipeline' }).isVisible()).resolves.toBe(true);
    // One link is the current page; the others are not marked.
    expect(await nav.locator('[aria-current]').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'nav-wide.png') });

    // A right-to-left language: the column moves to the right, the page to its left.
    await page.evaluate(() => document.documentElement.setAttribute('dir', 'rtl'));
    const rtlNav = (await nav.boundingBox())!;
    const rtlMain = (await page.locator('main').boundingBox())!;
    expect(rtlNav.x).toBeGreaterThanOrEqual(rtlMain.x + rtlMain.width);
    await page.screenshot({ path: path.join(screenshots, 'nav-rtl.png') });
    await context.close();
  });

  it('opens and closes the phone menu with the keyboard', async () => {
    const { context, page } = await signedIn('channel_manager', PHONE);
    const bar = (await page.locator('.site-header').boundingBox())!;
    expect(bar.height).toBeLessThanOrEqual(64);
    await page.screenshot({ path: path.join(screenshots, 'nav-phone.png') });

    // Tab order from the top of a freshly loaded page: the skip link, the brand, the menu button.
    await page.reload();
    await page.locator('main h1').waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(menuButton(page).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    expect(await menuOpen(page)).toBe(true);
    const menu = page.locator('.site-menu__panel nav');
    await expect(
      menu.getByRole('link', { name: 'Routing queue' }).getAttribute('aria-current'),
    ).resolves.toBe('page');
    // The first link is next in the tab order, and it shows its focus.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle };
    });
    expect(focused).toEqual({ text: 'Routing queue', outline: 'solid' });
    await page.screenshot({ path: path.join(screenshots, 'nav-phone-open.png') });
    expect(await axeViolations(page)).toEqual([]);

    await page.keyboard.press('Escape');
    expect(await menuOpen(page)).toBe(false);
    await expect(menuButton(page).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Space');
    expect(await menuOpen(page)).toBe(true);
    await page.keyboard.press('Space');
    expect(await menuOpen(page)).toBe(false);

    // Following a link in the menu shows the next page with the menu closed.
    await menuButton(page).click();
    await menu.getByRole('link', { name: 'Customers' }).click();
    await page.waitForURL((url) => url.pathname === '/customers');
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    expect(await menuOpen(page)).toBe(false);
    await context.close();
  });

  it('opens the phone menu without JavaScript', async () => {
    const { context, page } = await signedIn('partner_rep', PHONE, false);
    await menuButton(page).click();
    const inbox = page.locator('.site-menu__panel nav').getByRole('link', { name: 'Inbox' });
    await expect(inbox.isVisible()).resolves.toBe(true);
    await page.locator('.site-menu__panel nav').getByRole('link', { name: 'My leads' }).click();
    await page.waitForURL((url) => url.pathname === '/leads');
    await page.getByRole('heading', { level: 1, name: 'My leads' }).waitFor();
    await context.close();
  });

  it('leads a coordinator from the 404 page and the opportunity page to pages they may open', async () => {
    const { context, page } = await signedIn('campaign_coordinator');
    const refused = await page.goto(`${baseUrl}/queue`);
    expect(refused?.status()).toBe(404);
    await page.getByRole('link', { name: 'Go to the campaigns' }).click();
    await page.waitForURL((url) => url.pathname === '/campaigns');
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();

    await page.goto(`${baseUrl}/opportunities/new`);
    const back = page.locator('main').getByRole('link').first();
    await expect(back.getAttribute('href')).resolves.toBe('/pipeline');
    await context.close();
  });

  it('finds no accessibility violation on the queue and the inbox at either size', async () => {
    const findings: string[] = [];
    for (const role of ['channel_manager', 'partner_rep'] as const) {
      const { context, page } = await signedIn(role);
      for (const viewport of [WIDE, PHONE]) {
        await page.setViewportSize(viewport);
        await page.reload();
        await page.locator('main h1').waitFor();
        findings.push(...(await axeViolations(page)));
      }
      await context.close();
    }
    expect(findings).toEqual([]);
  });
});
