import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { freePort, waitForPort } from '../../db/local-services';
import { offers, opportunities } from '../../db/schema';
import { makeUser, TEST_PASSWORD } from '../support/auth-fixtures';
import { launchBrowser } from '../support/browser';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * Withdraw and take-back in Chromium against the production build: each asks on a page of its
 * own, Cancel changes nothing, confirming acts; the take-back runs with JavaScript off, and the
 * partner that lost the lead sees the notice on its next page.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const axeScript = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
const screenshots = path.join(root, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };

let database: TestDatabase;
let redisPrefix: string;
let server: ChildProcess | undefined;
let serverLog = '';
let browser: Browser | undefined;
let baseUrl: string;
const scene = { pendingLead: 0, acceptedLead: 0, holderName: '', holderRep: '', nextName: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  redisPrefix = testRedisPrefix();
  const db = database.db;
  const deps: LoopDeps = { db, clock: systemClock, timers: new RecordingTimers() };
  const holder = await makePartner(db, { name: 'Rheinwerk Systems', tier: 'platinum', countries: ['DE'] });
  const next = await makePartner(db, { name: 'Spree Data Partners', tier: 'gold', countries: ['DE'] });
  scene.holderName = holder.name;
  scene.nextName = next.name;
  scene.holderRep = (
    await makeUser(db, {
      role: 'partner_rep',
      partnerId: holder.id,
      email: 'rep@rheinwerk.test',
      timezone: 'Europe/Berlin',
    })
  ).email;
  await makeUser(db, { role: 'channel_manager', name: 'Mara Manager', email: 'manager@baton.test' });
  const submit = async (need: string, name: string) => {
    const customer = await makeCustomer(db, { name, country: 'DE' });
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id, { need }));
    if (routing.kind !== 'offered' || routing.partnerId !== holder.id) throw new Error('expected an offer');
    return { opportunityId, offerId: routing.timer.offerId };
  };
  scene.pendingLead = (
    await submit('Replace an ageing storage array', 'Nordlicht Maschinenbau GmbH')
  ).opportunityId;
  const taken = await submit('Back up three plants to object storage', 'Elbtal Logistik AG');
  await accept(deps, { offerId: taken.offerId, userId: null });
  scene.acceptedLead = taken.opportunityId;

  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'app', 'server', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: redisPrefix,
      NODE_ENV: 'production',
      APP_SECRET: 'e2e-only-secret-for-signing-email-links',
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
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Nothing to clean when Redis is gone.
  } finally {
    redis.disconnect();
  }
  await database?.drop();
});

async function signedIn(
  email: string,
  javaScriptEnabled = true,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport: VIEWPORT, javaScriptEnabled });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
  return { context, page };
}

/** axe-core's serious and critical findings on the page as it stands (needs JavaScript). */
async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(axeScript, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as { id: string; impact: string | null; help: string }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help}`);
}

const offerStatusOf = async (opportunityId: number) =>
  (
    await database.db
      .select({ status: offers.status })
      .from(offers)
      .where(eq(offers.opportunityId, opportunityId))
  )
    .map((o) => o.status)
    .sort();

describe('safe actions in Chromium', () => {
  it('asks before withdrawing: Cancel changes nothing, confirming withdraws the offer', async () => {
    const { context, page } = await signedIn('manager@baton.test');
    try {
      const lead = `${baseUrl}/opportunities/${scene.pendingLead}`;
      await page.goto(lead);
      await page.getByRole('link', { name: 'Withdraw…' }).click();
      await page.getByRole('heading', { name: `Withdraw the offer to ${scene.holderName}?` }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/opportunities/${scene.pendingLead}/withdraw`);
      await expect(page.getByText('The lead leaves routing for good').isVisible()).resolves.toBe(true);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(screenshots, 'confirm-withdraw.png'), fullPage: true });

      await page.getByRole('link', { name: 'Cancel and go back' }).click();
      await page.waitForURL(lead);
      await page.getByRole('heading', { name: /^Lead #\d+: / }).waitFor();
      expect(await offerStatusOf(scene.pendingLead)).toEqual(['pending']);

      await page.getByRole('link', { name: 'Withdraw…' }).click();
      await page.getByRole('button', { name: 'Withdraw the offer' }).click();
      await page.waitForURL((url) => url.pathname === `/opportunities/${scene.pendingLead}`);
      await page.getByText('The offer was withdrawn and its partner told by email').waitFor();
      expect(await offerStatusOf(scene.pendingLead)).toEqual(['withdrawn']);
    } finally {
      await context.close();
    }
  });

  it('takes a lead back without JavaScript, asking for the reason, and the partner sees the notice', async () => {
    const { context, page } = await signedIn('manager@baton.test', false);
    try {
      await page.goto(`${baseUrl}/opportunities/${scene.acceptedLead}`);
      await page.getByRole('link', { name: 'Take back…' }).click();
      await page.getByRole('heading', { name: `Take the lead back from ${scene.holderName}?` }).waitFor();
      await expect(page.getByText(`that is ${scene.nextName}`).isVisible()).resolves.toBe(true);
      const reason = page.getByLabel('Why the lead is taken back');
      await reason.fill('The customer asked for its incumbent reseller');
      await page.screenshot({ path: path.join(screenshots, 'confirm-take-back.png'), fullPage: true });
      // Without a reason: the field says why, and the lead stays where it is.
      await reason.fill('');
      await page.getByRole('button', { name: 'Take the lead back' }).click();
      await page.getByText('Say why the lead is taken back').first().waitFor();
      const [still] = await database.db
        .select({ status: opportunities.status })
        .from(opportunities)
        .where(eq(opportunities.id, scene.acceptedLead));
      expect(still!.status).toBe('accepted');

      await page
        .getByLabel('Why the lead is taken back')
        .fill('The customer asked for its incumbent reseller');
      await page.getByRole('button', { name: 'Take the lead back' }).click();
      await page.waitForURL((url) => url.pathname === `/opportunities/${scene.acceptedLead}`);
      await page.getByText('The lead was taken back and routed again').waitFor();
      const [pending] = await database.db
        .select()
        .from(offers)
        .where(and(eq(offers.opportunityId, scene.acceptedLead), eq(offers.status, 'pending')));
      expect(pending).toBeTruthy();
    } finally {
      await context.close();
    }

    const partner = await signedIn(scene.holderRep);
    try {
      const notices = partner.page.getByRole('region', { name: 'A notice from the vendor' });
      await notices.waitFor();
      await expect(notices.textContent()).resolves.toContain('The customer asked for its incumbent reseller');
      await partner.page.screenshot({ path: path.join(screenshots, 'partner-notice.png') });
      await partner.page.getByRole('button', { name: 'Mark as read' }).click();
      await notices.waitFor({ state: 'detached' });
    } finally {
      await partner.context.close();
    }
  });
});
