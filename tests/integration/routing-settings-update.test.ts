import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { submitOpportunity } from '../../app/domain/routing/loop.server';
import { DEFAULT_ROUTING_SETTINGS } from '../../app/domain/routing/settings';
import { loadRoutingSettings } from '../../app/domain/routing/settings.server';
import type * as SettingsRoute from '../../app/routes/settings.routing';
import { offers, routingSettings } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let settingsRoute: typeof SettingsRoute;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  settingsRoute = await import('../../app/routes/settings.routing');
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

type Answer = {
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string>;
  values: Record<string, string>;
};

function settingsForm(overrides: Record<string, string> = {}) {
  const fields: Record<string, string> = {
    windowHours: '24',
    reminderOffsetsHours: '12, 2',
    roundLimit: '5',
  };
  for (const [key, weight] of Object.entries(DEFAULT_ROUTING_SETTINGS.weights))
    fields[`weights.${key}`] = String(weight);
  return { ...fields, ...overrides };
}

async function manager(role: 'channel_manager' | 'admin' = 'channel_manager') {
  const user = await makeUser(database.db, { role });
  const { cookie, session } = await sessionCookieFor(database.db, user.id);
  return { user, cookie, csrf: session.csrfToken };
}

const save = (fields: Record<string, string>, cookie: string) =>
  settle(() =>
    settingsRoute.action({
      request: formPost('http://localhost/settings/routing', fields, { Cookie: cookie }),
      params: {},
      context: {},
    }),
  );

describe('routing settings', () => {
  it('a channel manager changes them; new offers use them and a pending offer keeps its deadline', async () => {
    const partnerA = await makePartner(database.db, { countries: ['MT'] });
    const customer = await makeCustomer(database.db, { country: 'MT' });
    const deps = { db: database.db, clock: new ManualClock(new Date()), timers: new RecordingTimers() };
    const before = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(before.routing).toMatchObject({ kind: 'offered', partnerId: partnerA.id });

    const { user, cookie, csrf } = await manager();
    const answer = unwrap<Answer>(
      await save(
        settingsForm({ csrf, 'weights.relationship': '42.5', reminderOffsetsHours: '2 12 12' }),
        cookie,
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.data.message).toContain('pending offers keep their deadlines and reminders');
    expect(await loadRoutingSettings(database.db)).toEqual({
      windowHours: 24,
      reminderOffsetsHours: [12, 2],
      roundLimit: 5,
      weights: { ...DEFAULT_ROUTING_SETTINGS.weights, relationship: 42.5 },
    });
    const [row] = await database.db.select().from(routingSettings);
    expect(row!.updatedByUserId).toBe(user.id);

    // The pending offer keeps its 48-hour window and 24 h / 4 h reminders…
    const pending = before.routing.kind === 'offered' ? before.routing.timer : null;
    expect(pending!.expiresAt.getTime() - pending!.offeredAt.getTime()).toBe(48 * HOUR_MS);
    const [stored] = await database.db.select().from(offers).where(eq(offers.id, pending!.offerId));
    expect(stored!.expiresAt.getTime() - stored!.offeredAt.getTime()).toBe(48 * HOUR_MS);
    expect(stored!.reminderOffsetsHours).toEqual([24, 4]);

    // …while the next offer gets the new 24-hour window.
    const after = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(after.routing.kind).toBe('offered');
    if (after.routing.kind === 'offered') {
      expect(after.routing.timer.expiresAt.getTime() - after.routing.timer.offeredAt.getTime()).toBe(
        24 * HOUR_MS,
      );
      expect(after.routing.timer.reminderOffsetsHours).toEqual([12, 2]);
    }
  });

  it('refuses bad values next to each field and saves nothing', async () => {
    const { cookie, csrf } = await manager('admin');
    const before = await snapshot(database.db);
    const answer = unwrap<Answer>(
      await save(
        settingsForm({
          csrf,
          windowHours: '0',
          reminderOffsetsHours: '24, soon',
          roundLimit: '2.5',
          'weights.territory': '101',
          'weights.speed': '',
        }),
        cookie,
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.data.fieldErrors).toEqual({
      windowHours: 'Must be at least 1.',
      reminderOffsetsHours:
        '“soon” is not a whole number of hours; separate hours with commas, such as 24, 4.',
      roundLimit: expect.any(String),
      'weights.territory': 'Must be at most 100.',
      'weights.speed': 'Enter a number.',
    });
    expect(answer.data.values.reminderOffsetsHours).toBe('24, soon');
    expect(await snapshot(database.db)).toEqual(before);

    // A reminder outside the window is refused on the reminders field.
    const outside = unwrap<Answer>(
      await save(settingsForm({ csrf, windowHours: '10', reminderOffsetsHours: '12' }), cookie),
    );
    expect(outside.status).toBe(400);
    expect(outside.data.fieldErrors).toEqual({
      reminderOffsetsHours: 'Every reminder must fall inside the response window.',
    });
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('refuses a form without its CSRF token, and anyone but channel managers and admins (404)', async () => {
    const { cookie } = await manager();
    const partner = await makePartner(database.db);
    const before = await snapshot(database.db);
    expect(((await save(settingsForm({ csrf: 'forged' }), cookie)) as Response).status).toBe(403);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const [role, partnerId] of [
        ['partner_admin', partner.id],
        ['partner_rep', partner.id],
        ['campaign_coordinator', null],
      ] as const) {
        const user = await makeUser(database.db, { role, partnerId });
        const { cookie: theirs, session } = await sessionCookieFor(database.db, user.id);
        const answer = await save(settingsForm({ csrf: session.csrfToken }), theirs);
        expect((answer as Response).status, role).toBe(404);
        const page = await settle(() =>
          settingsRoute.loader({
            request: new Request('http://localhost/settings/routing', { headers: { Cookie: theirs } }),
            params: {},
            context: {},
          }),
        );
        expect((page as Response).status, role).toBe(404);
      }
    } finally {
      warn.mockRestore();
    }
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('shows the settings in force and who changed them last', async () => {
    const { cookie } = await manager();
    const page = unwrap<Awaited<ReturnType<typeof settingsRoute.loader>>>(
      await settingsRoute.loader({
        request: new Request('http://localhost/settings/routing', { headers: { Cookie: cookie } }),
        params: {},
        context: {},
      }),
    );
    expect(page.data.canEdit).toBe(true);
    expect(page.data.settings.windowHours).toBe(24);
    expect(page.data.updatedByName).toMatch(/^User /);
  });
});
