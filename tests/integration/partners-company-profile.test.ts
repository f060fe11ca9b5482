import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { dayIn } from '../../app/domain/partners/profile';
import { submitOpportunity } from '../../app/domain/routing/loop.server';
import type * as CompanyRoute from '../../app/routes/company';
import type * as PartnerRoute from '../../app/routes/partners.$partnerId';
import { partners } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let companyRoute: typeof CompanyRoute;
let partnerRoute: typeof PartnerRoute;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [companyRoute, partnerRoute] = await Promise.all([
    import('../../app/routes/company'),
    import('../../app/routes/partners.$partnerId'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

const DAY_MS = 24 * 3_600_000;

async function signedIn(role: 'partner_admin' | 'partner_rep' | 'channel_manager', partnerId: number | null) {
  const user = await makeUser(database.db, { role, partnerId });
  const { cookie, session } = await sessionCookieFor(database.db, user.id);
  return { user, cookie, csrf: session.csrfToken };
}

const profileFields = (overrides: Record<string, string> = {}) => ({
  intent: 'profile',
  countries: 'NL, BE',
  industries: 'Retail, logistics',
  productLines: 'storage, networking',
  maxOpen: '12',
  timezone: 'Europe/Amsterdam',
  ...overrides,
});

/** A form post carrying several values under one name, as checkboxes send them. */
function postWithSegments(url: string, fields: Record<string, string>, segments: string[], cookie: string) {
  const body = new URLSearchParams(fields);
  for (const segment of segments) body.append('sizeSegments', segment);
  return new Request(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
  });
}

const runCompanyAction = (request: Request) =>
  settle(() => companyRoute.action({ request, params: {}, context: {} }));

describe('a partner admin and the company profile that routing reads', () => {
  it('saves the profile: countries as ISO codes, industries, size segments, product lines, capacity, time zone', async () => {
    const company = await makePartner(database.db);
    const admin = await signedIn('partner_admin', company.id);
    const answer = unwrap<{ ok: boolean }>(
      await runCompanyAction(
        postWithSegments(
          'http://localhost/company',
          { csrf: admin.csrf, ...profileFields({ countries: 'nl be nl' }) },
          ['enterprise', 'small_business'],
          admin.cookie,
        ),
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.data.ok).toBe(true);
    const [row] = await database.db.select().from(partners).where(eq(partners.id, company.id));
    expect(row).toMatchObject({
      countries: ['NL', 'BE'],
      industries: ['retail', 'logistics'],
      sizeSegments: ['enterprise', 'small_business'],
      productLines: ['storage', 'networking'],
      maxOpen: 12,
      timezone: 'Europe/Amsterdam',
    });
  });

  it('refuses a country that is not an ISO code, names the field and the reason, and saves nothing', async () => {
    const company = await makePartner(database.db);
    const admin = await signedIn('partner_admin', company.id);
    const before = await snapshot(database.db);
    const answer = unwrap<{
      ok: boolean;
      fieldErrors: Record<string, string>;
      values: Record<string, unknown>;
    }>(
      await runCompanyAction(
        postWithSegments(
          'http://localhost/company',
          {
            csrf: admin.csrf,
            ...profileFields({ countries: 'NL, XX', maxOpen: '-3', timezone: 'Mars/Olympus' }),
          },
          ['mega_corp'],
          admin.cookie,
        ),
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.data.ok).toBe(false);
    expect(answer.data.fieldErrors.countries).toContain('“XX” is not an ISO 3166-1 two-letter country code');
    expect(answer.data.fieldErrors.maxOpen).toContain('cannot be negative');
    expect(answer.data.fieldErrors.timezone).toContain('“Mars/Olympus” is not a time zone');
    expect(answer.data.fieldErrors.sizeSegments).toContain('enterprise, mid_market, small_business');
    expect(answer.data.values.countries).toBe('NL, XX');
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('refuses a form without the CSRF token (403) and saves nothing', async () => {
    const company = await makePartner(database.db);
    const admin = await signedIn('partner_admin', company.id);
    const before = await snapshot(database.db);
    const answer = await runCompanyAction(
      formPost('http://localhost/company', { csrf: 'forged', ...profileFields() }, { Cookie: admin.cookie }),
    );
    expect((answer as Response).status).toBe(403);
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('lets a partner rep read the profile but not change it', async () => {
    const company = await makePartner(database.db, { countries: ['SE'] });
    const rep = await signedIn('partner_rep', company.id);
    const page = unwrap<Awaited<ReturnType<typeof companyRoute.loader>>>(
      await companyRoute.loader({
        request: new Request('http://localhost/company', { headers: { Cookie: rep.cookie } }),
        params: {},
        context: {},
      }),
    );
    expect(page.data.profile.countries).toEqual(['SE']);
    expect(page.data.canEdit).toBe(false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const before = await snapshot(database.db);
      const answer = await runCompanyAction(
        formPost('http://localhost/company', { csrf: rep.csrf, ...profileFields() }, { Cookie: rep.cookie }),
      );
      expect((answer as Response).status).toBe(404);
      expect(await snapshot(database.db)).toEqual(before);
    } finally {
      warn.mockRestore();
    }
  });

  it('cannot see or edit another partner: its page answers 404 and nothing changes', async () => {
    const own = await makePartner(database.db);
    const other = await makePartner(database.db, { countries: ['PT'] });
    const admin = await signedIn('partner_admin', own.id);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const before = await snapshot(database.db);
      const read = await settle(() =>
        partnerRoute.loader({
          request: new Request(`http://localhost/partners/${other.id}`, {
            headers: { Cookie: admin.cookie },
          }),
          params: { partnerId: String(other.id) },
          context: {},
        }),
      );
      expect((read as Response).status).toBe(404);
      const write = await settle(() =>
        partnerRoute.action({
          request: formPost(
            `http://localhost/partners/${other.id}`,
            { csrf: admin.csrf, ...profileFields() },
            { Cookie: admin.cookie },
          ),
          params: { partnerId: String(other.id) },
          context: {},
        }),
      );
      expect((write as Response).status).toBe(404);
      // The company page only ever shows the admin's own company, whatever is asked.
      const page = unwrap<Awaited<ReturnType<typeof companyRoute.loader>>>(
        await companyRoute.loader({
          request: new Request(`http://localhost/company?partnerId=${other.id}`, {
            headers: { Cookie: admin.cookie },
          }),
          params: {},
          context: {},
        }),
      );
      expect(page.data.name).toBe(own.name);
      expect(await snapshot(database.db)).toEqual(before);
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('lets a channel manager edit any partner’s profile from its partner page', async () => {
    const company = await makePartner(database.db);
    const manager = await signedIn('channel_manager', null);
    const answer = unwrap<{ ok: boolean }>(
      await partnerRoute.action({
        request: postWithSegments(
          `http://localhost/partners/${company.id}`,
          { csrf: manager.csrf, ...profileFields({ countries: 'IE', maxOpen: '3' }) },
          ['mid_market'],
          manager.cookie,
        ),
        params: { partnerId: String(company.id) },
        context: {},
      }),
    );
    expect(answer.status).toBe(200);
    const [row] = await database.db.select().from(partners).where(eq(partners.id, company.id));
    expect(row).toMatchObject({ countries: ['IE'], maxOpen: 3, sizeSegments: ['mid_market'] });
  });
});

describe('an out-of-office pause', () => {
  it('keeps new leads away until the day chosen, and "resume now" brings them back', async () => {
    // Two partners cover Luxembourg; the platinum one would win every lead unless paused.
    const paused = await makePartner(database.db, { tier: 'platinum', countries: ['LU'], timezone: 'UTC' });
    const standIn = await makePartner(database.db, { tier: 'silver', countries: ['LU'] });
    const customer = await makeCustomer(database.db, { country: 'LU' });
    const admin = await signedIn('partner_admin', paused.id);
    const backOn = dayIn(new Date(Date.now() + 7 * DAY_MS), 'UTC');

    const answer = unwrap<{ ok: boolean }>(
      await runCompanyAction(
        formPost(
          'http://localhost/company',
          { csrf: admin.csrf, intent: 'pause', backOn },
          { Cookie: admin.cookie },
        ),
      ),
    );
    expect(answer.status).toBe(200);
    const [row] = await database.db.select().from(partners).where(eq(partners.id, paused.id));
    expect(row!.pausedUntil?.toISOString()).toBe(`${backOn}T00:00:00.000Z`);

    const deps = { db: database.db, clock: new ManualClock(), timers: new RecordingTimers() };
    const whilePaused = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(whilePaused.routing).toMatchObject({ kind: 'offered', partnerId: standIn.id });

    const resumed = unwrap<{ ok: boolean }>(
      await runCompanyAction(
        formPost(
          'http://localhost/company',
          { csrf: admin.csrf, intent: 'resume' },
          { Cookie: admin.cookie },
        ),
      ),
    );
    expect(resumed.data.ok).toBe(true);
    const afterResume = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(afterResume.routing).toMatchObject({ kind: 'offered', partnerId: paused.id });
  });

  it('counts the day in the company’s time zone', async () => {
    const company = await makePartner(database.db, { timezone: 'America/New_York' });
    const admin = await signedIn('partner_admin', company.id);
    await runCompanyAction(
      formPost(
        'http://localhost/company',
        { csrf: admin.csrf, intent: 'pause', backOn: '2099-01-15' },
        { Cookie: admin.cookie },
      ),
    );
    const [row] = await database.db.select().from(partners).where(eq(partners.id, company.id));
    // Far beyond the longest pause allowed: refused, so nothing stored.
    expect(row!.pausedUntil).toBeNull();

    const backOn = dayIn(new Date(Date.now() + 10 * DAY_MS), 'America/New_York');
    await runCompanyAction(
      formPost(
        'http://localhost/company',
        { csrf: admin.csrf, intent: 'pause', backOn },
        { Cookie: admin.cookie },
      ),
    );
    const [paused] = await database.db.select().from(partners).where(eq(partners.id, company.id));
    expect(dayIn(paused!.pausedUntil!, 'America/New_York')).toBe(backOn);
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'America/New_York',
        hour: '2-digit',
        minute: '2-digit',
      }).format(paused!.pausedUntil!),
    ).toBe('00:00');
  });

  it('refuses a day in the past or a missing day, next to the field, and saves nothing', async () => {
    const company = await makePartner(database.db);
    const admin = await signedIn('partner_admin', company.id);
    const before = await snapshot(database.db);
    for (const backOn of ['2020-01-01', '', 'next week']) {
      const answer = unwrap<{ ok: boolean; fieldErrors: Record<string, string> }>(
        await runCompanyAction(
          formPost(
            'http://localhost/company',
            { csrf: admin.csrf, intent: 'pause', backOn },
            { Cookie: admin.cookie },
          ),
        ),
      );
      expect(answer.status, backOn).toBe(400);
      expect(answer.data.fieldErrors.backOn, backOn).toBeTruthy();
    }
    expect(await snapshot(database.db)).toEqual(before);
  });
});
