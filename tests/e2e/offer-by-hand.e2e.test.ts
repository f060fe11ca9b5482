import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { declineAndReroute, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { freePort, waitForPort } from '../../db/local-services';
import { offers } from '../../db/schema';
import { makeUser, TEST_PASSWORD } from '../support/auth-fixtures';
import { launchBrowser } from '../support/browser';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * A channel manager places, by hand, a lead routing could not: the production build under
 * `npm start`'s server, Chromium, a scene made through the real routing loop.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const webServer = path.join(root, 'app', 'server', 'main.ts');
const screenshots = path.join(root, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
const E2E_SECRET = 'e2e-only-secret-for-signing-email-links';

let database: TestDatabase;
let redisPrefix: string;
let server: ChildProcess | undefined;
let serverLog = '';
let browser: Browser | undefined;
let baseUrl: string;
const scene = { leadId: 0, eligible: '', outOfCountry: { id: 0, name: '' }, declined: '', suspended: '' };
const MANAGER = { name: 'Mara Manager', email: 'manager@baton.test' };

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
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Nothing to clean when Redis never saw this prefix.
  } finally {
    redis.disconnect();
  }
  await database?.drop();
});

/**
 * A security lead in Germany: the one partner selling security there declines it, so routing
 * gives up; then partners join that routing would skip for one reason or another, and one it
 * would pick.
 */
async function seedScene() {
  const db = database.db;
  const deps: LoopDeps = { db, clock: systemClock, timers: new RecordingTimers() };
  await makeUser(db, { role: 'channel_manager', ...MANAGER });
  const declined = await makePartner(db, {
    name: 'Elbe Sicherheit',
    countries: ['DE'],
    productLines: ['security'],
  });
  scene.declined = declined.name;
  const customer = await makeCustomer(db, { name: 'Havelblick Handel KG', country: 'DE' });
  const { opportunityId } = await submitOpportunity(
    deps,
    opportunityInput(customer.id, { need: 'Secure two warehouses’ networks', productLine: 'security' }),
  );
  scene.leadId = opportunityId;
  const [offer] = await db.select().from(offers).where(eq(offers.opportunityId, opportunityId));
  await declineAndReroute(deps, { offerId: offer!.id, userId: null, reason: 'no_capacity' });

  scene.eligible = (
    await makePartner(db, {
      name: 'Spree Secure',
      tier: 'gold',
      countries: ['DE'],
      productLines: ['security'],
    })
  ).name;
  const alpen = await makePartner(db, {
    name: 'Alpen Security',
    tier: 'platinum',
    countries: ['AT', 'CH'],
    productLines: ['security'],
  });
  scene.outOfCountry = { id: alpen.id, name: alpen.name };
  await makePartner(db, { name: 'Rheinwerk Systems', countries: ['DE'], productLines: ['storage'] });
  await makePartner(db, {
    name: 'Isar Firewall',
    countries: ['DE'],
    productLines: ['security'],
    pausedUntil: new Date(Date.now() + 5 * 24 * 3_600_000),
  });
  await makePartner(db, { name: 'Main Netzwerk', countries: ['DE'], productLines: ['security'], maxOpen: 0 });
  scene.suspended = (
    await makePartner(db, {
      name: 'Weser Shield',
      countries: ['DE'],
      productLines: ['security'],
      status: 'suspended',
    })
  ).name;
}

const offersOfLead = () =>
  database.db.select().from(offers).where(eq(offers.opportunityId, scene.leadId)).orderBy(asc(offers.round));

describe('offering a lead by hand in Chromium', () => {
  it('lists every active partner with routing’s reasons, and needs the manager’s reason to go past them', async () => {
    const context = await browser!.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(
      `${baseUrl}/sign-in?${new URLSearchParams({ redirectTo: `/opportunities/${scene.leadId}` })}`,
    );
    await page.getByLabel('Work email').fill(MANAGER.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === `/opportunities/${scene.leadId}`);

    const form = page.getByRole('form', { name: 'Offer by hand' });
    const picker = form.getByLabel('Partner', { exact: true });
    const group = (label: string) => picker.locator(`optgroup[label="${label}"] option`);
    await group('Eligible, best first').first().waitFor();
    expect(await group('Eligible, best first').allTextContents()).toEqual([
      expect.stringMatching(/^Spree Secure: score [\d.]+\.$/),
    ]);
    const skipped = await group('Skipped by routing: say why below').allTextContents();
    expect(skipped).toEqual(
      expect.arrayContaining([
        'Alpen Security: It does not cover DE.',
        'Rheinwerk Systems: It does not sell security.',
        'Main Netzwerk: It is at capacity, with 0 open leads of the 0 it takes.',
        expect.stringMatching(/^Isar Firewall: It is paused until .+\.$/),
      ]),
    );
    expect(await group('Already had this lead: cannot be offered it again').allTextContents()).toEqual([
      'Elbe Sicherheit: It already had an offer for this lead, and a lead is never offered twice to one partner.',
    ]);
    expect(await picker.locator('option', { hasText: scene.suspended }).count()).toBe(0);
    expect(await picker.locator('option[disabled]').count()).toBe(1);

    // A skipped partner without a reason: refused next to the field, nothing offered.
    await picker.selectOption(String(scene.outOfCountry.id));
    await form.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'offer-by-hand.png') });
    await form.getByRole('button', { name: 'Offer the lead' }).click();
    const error = form.locator('#field-reason-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Say why this partner should have the lead/);
    expect(await form.getByLabel('Why this partner').getAttribute('aria-invalid')).toBe('true');
    expect(await picker.inputValue()).toBe(String(scene.outOfCountry.id));
    expect((await offersOfLead()).map((o) => o.partnerId)).not.toContain(scene.outOfCountry.id);

    const reason = 'Their Munich office already secures this customer’s Austrian plant.';
    await form.getByLabel('Why this partner').fill(reason);
    await form.getByRole('button', { name: 'Offer the lead' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'offer');
    await page.getByText(`Waiting for ${scene.outOfCountry.name}`).waitFor();
    const placed = (await offersOfLead()).at(-1)!;
    expect(placed).toMatchObject({
      partnerId: scene.outOfCountry.id,
      status: 'pending',
      overriddenRules: ['outside_territory'],
      overrideReason: reason,
    });

    const why = page.getByRole('region', { name: 'Why this partner' });
    await why.getByText(`Chosen by hand by ${MANAGER.name}:`).waitFor();
    expect(await why.getByRole('note').textContent()).toBe(
      `Routing skipped this partner (country not covered); the channel manager went past it. Reason given: “${reason}”`,
    );
    const lastEvent = page.locator('.timeline__item').last();
    expect(await lastEvent.textContent()).toContain(
      `Offered by hand to ${scene.outOfCountry.name} in round 2`,
    );
    expect(await lastEvent.textContent()).toContain(`Reason given: “${reason}”`);
    expect(await lastEvent.textContent()).toContain(`By ${MANAGER.name}.`);
    await page.screenshot({ path: path.join(screenshots, 'opportunity-override.png'), fullPage: true });
    await context.close();
  });
});
