import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { invitePartners, suggestPartners } from '../../app/domain/campaigns/campaigns.server';
import { campaignFigures } from '../../app/domain/campaigns/figures.server';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { updateLeadStage } from '../../app/domain/leads/lead-progress.server';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as CampaignRoute from '../../app/routes/campaigns.$campaignId';
import type * as ExportRoute from '../../app/routes/campaigns.$campaignId.export[.csv]';
import type * as IndexRoute from '../../app/routes/campaigns._index';
import type * as NewRoute from '../../app/routes/campaigns.new';
import { renderEmail } from '../../emails/render';
import {
  campaignAccounts,
  campaignPartners,
  campaigns,
  notifications,
  offers,
  type USER_ROLES,
} from '../../db/schema';
import { makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The pages read Postgres the way production does (db.server), so the environment names this
// file's own database and Redis prefix before any route is imported. The routing loop runs on a
// clock of its own, so that every response time in the figures is exact.
let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  index: typeof IndexRoute;
  create: typeof NewRoute;
  page: typeof CampaignRoute;
  csv: typeof ExportRoute;
  close: () => Promise<void>;
};
const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));
const PUBLIC_URL = 'https://partners.example.com';

interface Actor {
  userId: number;
  email: string;
  cookie: string;
  csrf: string;
}

async function actor(role: (typeof USER_ROLES)[number], partnerId: number | null = null): Promise<Actor> {
  const user = await makeUser(database.db, { role, partnerId });
  const { cookie, session } = await sessionCookieFor(database.db, user.id);
  return { userId: user.id, email: user.email, cookie, csrf: session.csrfToken };
}

let coordinator: Actor;
let manager: Actor;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [index, create, page, csv, dbServer, loopServer] = await Promise.all([
    import('../../app/routes/campaigns._index'),
    import('../../app/routes/campaigns.new'),
    import('../../app/routes/campaigns.$campaignId'),
    import('../../app/routes/campaigns.$campaignId.export[.csv]'),
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = {
    index,
    create,
    page,
    csv,
    close: async () => {
      await loopServer.closeLoop();
      await dbServer.closeDatabase();
    },
  };
  coordinator = await actor('campaign_coordinator');
  manager = await actor('channel_manager');
});
afterAll(async () => {
  await routes?.close();
  await database.drop();
});

type Answer = {
  fieldErrors?: Record<string, string>;
  formError?: string | null;
  [key: string]: unknown;
};

async function getPage<T = Record<string, unknown>>(
  loader: (args: LoaderFunctionArgs) => unknown,
  path: string,
  who: Actor,
  params: Record<string, string> = {},
) {
  return unwrap<T>(
    await settle(() =>
      loader({
        request: new Request(`http://localhost${path}`, { headers: { cookie: who.cookie } }),
        params,
        context: {},
      }),
    ),
  );
}

async function postForm(
  action: (args: ActionFunctionArgs) => unknown,
  path: string,
  who: Actor,
  fields: Record<string, string | string[]>,
  params: Record<string, string> = {},
) {
  const body = new URLSearchParams({ csrf: who.csrf });
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  const request = new Request(`http://localhost${path}`, {
    method: 'POST',
    body,
    headers: { cookie: who.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  return unwrap<Answer>(await settle(() => action({ request, params, context: {} })));
}

type CampaignPageData = Exclude<Awaited<ReturnType<typeof CampaignRoute.loader>>, undefined>;
type StaffPage = Extract<CampaignPageData, { view: 'staff' }>;
type PartnerPage = Extract<CampaignPageData, { view: 'partner' }>;

const campaignPage = (campaignId: number, who: Actor, query = '') =>
  getPage<CampaignPageData>(routes.page.loader, `/campaigns/${campaignId}${query}`, who, {
    campaignId: String(campaignId),
  });
/** The page as vendor staff get it; fails when it is the partner's view. */
async function staffPage(campaignId: number, who: Actor, query = '') {
  const page = await campaignPage(campaignId, who, query);
  expect(page.data?.view).toBe('staff');
  return page.data as StaffPage;
}
async function partnerPage(campaignId: number, who: Actor) {
  const page = await campaignPage(campaignId, who);
  expect(page.data?.view).toBe('partner');
  return page.data as PartnerPage;
}
const campaignAction = (campaignId: number, who: Actor, fields: Record<string, string | string[]>) =>
  postForm(routes.page.action, `/campaigns/${campaignId}`, who, fields, { campaignId: String(campaignId) });

const validForm = {
  name: 'Alpine storage spring',
  goal: 'Replace ageing storage at mid-sized manufacturers in the Alps.',
  startsOn: '2026-04-01',
  endsOn: '2026-06-30',
  status: 'active',
  budget: '25,000.50',
  currency: 'EUR',
  targetCountries: 'at, ch DE',
  targetIndustries: 'Manufacturing, logistics',
  targetSizeSegments: ['mid_market', 'enterprise'],
  targetProductLines: 'storage, backup',
  joinedPartnersFirst: 'yes',
};

async function countCampaigns() {
  return (await database.db.select({ id: campaigns.id }).from(campaigns)).length;
}

describe('creating and changing a campaign', () => {
  it('a coordinator creates a campaign and becomes its coordinator', async () => {
    const answer = await postForm(routes.create.action, '/campaigns/new', coordinator, validForm);
    expect(answer.status).toBe(302);
    const location = answer.headers.get('location')!;
    expect(location).toMatch(/^\/campaigns\/\d+\?done=created$/);
    const campaignId = Number(location.split('/')[2]!.split('?')[0]);
    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    expect(row).toMatchObject({
      name: 'Alpine storage spring',
      startsOn: '2026-04-01',
      endsOn: '2026-06-30',
      status: 'active',
      budgetMinor: 2_500_050,
      currency: 'EUR',
      targetCountries: ['AT', 'CH', 'DE'],
      targetIndustries: ['manufacturing', 'logistics'],
      targetSizeSegments: ['mid_market', 'enterprise'],
      targetProductLines: ['storage', 'backup'],
      joinedPartnersFirst: true,
      coordinatorUserId: coordinator.userId,
    });
  });

  it('refuses every bad field at once, each with its reason, and saves nothing', async () => {
    const before = await countCampaigns();
    const answer = await postForm(routes.create.action, '/campaigns/new', coordinator, {
      name: '   ',
      goal: 'x'.repeat(2001),
      startsOn: '2026-05-10',
      endsOn: '2026-05-01',
      status: 'paused',
      budget: '12.345',
      currency: 'EUR',
      targetCountries: 'DE, XX',
      targetIndustries: 'manufacturing, <script>',
      targetSizeSegments: ['giant'],
      targetProductLines: 'storage',
      joinedPartnersFirst: 'maybe',
    });
    expect(answer.status).toBe(400);
    expect(answer.data.fieldErrors).toEqual({
      name: 'Give the campaign a name.',
      goal: 'The goal has at most 2000 characters.',
      endsOn: 'The end cannot be before the start.',
      status: 'Choose draft, active or completed.',
      budget: 'EUR amounts have at most 2 decimal places.',
      targetCountries: '“XX” is not an ISO 3166-1 two-letter country code (such as DE, FR or US).',
      targetIndustries: '“<script>” is not a valid industry: use letters, digits, spaces, - or _.',
      targetSizeSegments: 'Choose among: enterprise, mid_market, small_business.',
      joinedPartnersFirst: 'Choose yes or no.',
    });
    // What was typed comes back, so the form is not emptied.
    expect(answer.data.typed).toMatchObject({ budget: '12.345', targetCountries: 'DE, XX' });
    expect(await countCampaigns()).toBe(before);

    const badDate = await postForm(routes.create.action, '/campaigns/new', coordinator, {
      ...validForm,
      startsOn: '2026-02-30',
      name: 'n'.repeat(121),
    });
    expect(badDate.data.fieldErrors).toEqual({
      startsOn: 'Choose the start as a calendar day (YYYY-MM-DD).',
      name: 'A name has at most 120 characters.',
    });
    expect(await countCampaigns()).toBe(before);
  });

  it('only coordinators and admins may create or change one; a manager may read it', async () => {
    expect((await getPage(routes.create.loader, '/campaigns/new', manager)).status).toBe(404);
    expect((await postForm(routes.create.action, '/campaigns/new', manager, validForm)).status).toBe(404);
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Read only', coordinatorUserId: coordinator.userId })
      .returning();
    expect((await staffPage(campaign!.id, manager)).mayEdit).toBe(false);
    const refused = await campaignAction(campaign!.id, manager, { ...validForm, intent: 'update' });
    expect(refused.status).toBe(404);
    const [unchanged] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign!.id));
    expect(unchanged!.name).toBe('Read only');
  });

  it('the coordinator changes a campaign on its page; a bad field changes nothing', async () => {
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Nordic backup', budgetMinor: 1_000_000, coordinatorUserId: coordinator.userId })
      .returning();
    const page = await staffPage(campaign!.id, coordinator);
    expect(page.editValues).toMatchObject({
      name: 'Nordic backup',
      budget: '10000.00',
      currency: 'EUR',
    });

    const refused = await campaignAction(campaign!.id, coordinator, {
      ...validForm,
      intent: 'update',
      name: 'Nordic backup, renamed',
      budget: '500',
      currency: 'JPY',
      endsOn: '2026-03-01',
    });
    expect(refused.status).toBe(400);
    expect(refused.data.fieldErrors).toEqual({ endsOn: 'The end cannot be before the start.' });
    const [unchanged] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign!.id));
    expect(unchanged).toMatchObject({ name: 'Nordic backup', budgetMinor: 1_000_000, currency: 'EUR' });

    const saved = await campaignAction(campaign!.id, coordinator, {
      ...validForm,
      intent: 'update',
      name: 'Nordic backup, renamed',
      budget: '500',
      currency: 'JPY',
    });
    expect(saved.status).toBe(302);
    expect(saved.headers.get('location')).toBe(`/campaigns/${campaign!.id}?done=updated`);
    const [changed] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign!.id));
    // JPY has no minor unit: 500 yen is stored as 500.
    expect(changed).toMatchObject({ name: 'Nordic backup, renamed', budgetMinor: 500, currency: 'JPY' });
    expect(changed!.coordinatorUserId).toBe(coordinator.userId);
  });
});

describe('inviting partners and their answers', () => {
  let campaignId: number;
  let matching: { id: number };
  let partial: { id: number };
  let unrelated: { id: number };
  let suspended: { id: number };
  let admins: Actor[];
  let rep: Actor;
  let foreignAdmin: Actor;

  beforeAll(async () => {
    const [campaign] = await database.db
      .insert(campaigns)
      .values({
        name: 'Irish imaging for hospitals',
        goal: 'Modern imaging storage in Irish hospitals',
        status: 'active',
        startsOn: '2026-04-01',
        endsOn: '2026-08-31',
        targetCountries: ['IE'],
        targetIndustries: ['healthcare'],
        targetSizeSegments: ['enterprise'],
        targetProductLines: ['imaging'],
        coordinatorUserId: coordinator.userId,
      })
      .returning();
    campaignId = campaign!.id;
    matching = await makePartner(database.db, {
      name: 'Zeta Health IT',
      countries: ['IE', 'GB'],
      industries: ['healthcare'],
      sizeSegments: ['enterprise'],
      productLines: ['imaging', 'storage'],
    });
    partial = await makePartner(database.db, {
      name: 'Yonder Systems',
      countries: ['IE'],
      industries: ['retail'],
    });
    unrelated = await makePartner(database.db, {
      name: 'Aardvark Tokyo',
      countries: ['JP'],
      industries: ['retail'],
    });
    suspended = await makePartner(database.db, {
      name: 'Suspended Health',
      status: 'suspended',
      countries: ['IE'],
      industries: ['healthcare'],
      sizeSegments: ['enterprise'],
      productLines: ['imaging'],
    });
    admins = [await actor('partner_admin', matching.id), await actor('partner_admin', matching.id)];
    rep = await actor('partner_rep', matching.id);
    const retired = await actor('partner_admin', matching.id);
    const { users } = await import('../../db/schema');
    await database.db.update(users).set({ disabledAt: clock.now() }).where(eq(users.id, retired.userId));
    foreignAdmin = await actor('partner_admin', partial.id);
  });

  it('suggests the partners covering most targets first, never a suspended or invited one', async () => {
    const ours = [matching.id, partial.id, unrelated.id, suspended.id];
    const suggested = (await suggestPartners(database.db, campaignId, 1000)).filter((s) =>
      ours.includes(s.partnerId),
    );
    expect(suggested.map((s) => [s.name, s.overlap])).toEqual([
      ['Zeta Health IT', 4],
      ['Yonder Systems', 1],
      ['Aardvark Tokyo', 0],
    ]);
    const page = await staffPage(campaignId, coordinator);
    expect(page.suggestions[0]).toMatchObject({
      partnerId: matching.id,
      why: '1 country, 1 industry, 1 size, 1 product line',
    });
  });

  it('an invitation makes a row per partner and, after fan-out, one email per active partner admin', async () => {
    const answer = await campaignAction(campaignId, coordinator, {
      intent: 'invite',
      partnerIds: [String(matching.id), String(partial.id)],
    });
    expect(answer.status).toBe(302);
    const rows = await database.db
      .select()
      .from(campaignPartners)
      .where(eq(campaignPartners.campaignId, campaignId));
    expect(rows.map((r) => [r.partnerId, r.status]).sort()).toEqual(
      [
        [matching.id, 'invited'],
        [partial.id, 'invited'],
      ].sort(),
    );
    const events = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, 'campaign_invitation'), eq(notifications.audience, 'partner')));
    expect(events.map((e) => e.partnerId).sort()).toEqual([matching.id, partial.id].sort());

    // Invited already: nothing new, no second announcement.
    expect(await invitePartners(database.db, { campaignId, partnerIds: [matching.id] }, clock)).toEqual({
      invited: [],
      alreadyInvited: [matching.id],
    });

    await fanOutPending(database.db);
    const emails = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, 'campaign_invitation'), eq(notifications.audience, 'user')));
    // Two active admins of the matching partner, the one of the partial partner; no rep, no disabled admin.
    expect(emails.map((e) => e.recipientEmail).sort()).toEqual(
      [...admins.map((a) => a.email), foreignAdmin.email].sort(),
    );

    const email = emails.find((e) => e.userId === admins[0]!.userId)!;
    const composed = await composeNotificationEmail(database.db, email.id, {
      publicUrl: PUBLIC_URL,
      secret: 'x'.repeat(32),
      now: clock.now(),
    });
    if (composed.kind !== 'message') throw new Error(`expected an email, got ${composed.reason}`);
    const rendered = renderEmail(composed.message);
    expect(rendered.subject).toBe('Invitation to the joint campaign “Irish imaging for hospitals”');
    expect(rendered.text).toContain('Zeta Health IT is invited to join');
    expect(rendered.text).toContain('Modern imaging storage in Irish hospitals');
    expect(rendered.text).toMatch(/^Countries:\s+Ireland$/m);
    expect(rendered.text).toMatch(/^Runs:\s+Wed 1 Apr 2026 to Mon 31 Aug 2026$/m);
    expect(rendered.text.split('\n')).toContain(`${PUBLIC_URL}/campaigns/${campaignId}`);
  });

  it('a rep cannot answer for the company; another partner cannot even see the campaign', async () => {
    expect((await campaignAction(campaignId, rep, { intent: 'answer', answer: 'join' })).status).toBe(404);
    expect((await partnerPage(campaignId, rep)).mayAnswer).toBe(false);

    const otherCampaign = await database.db
      .insert(campaigns)
      .values({ name: 'Not for Yonder', coordinatorUserId: coordinator.userId })
      .returning();
    const foreignId = otherCampaign[0]!.id;
    expect((await campaignPage(foreignId, foreignAdmin)).status).toBe(404);
    expect((await campaignAction(foreignId, foreignAdmin, { intent: 'answer', answer: 'join' })).status).toBe(
      404,
    );
    expect(
      (
        await getPage(routes.csv.loader, `/campaigns/${campaignId}/export.csv`, foreignAdmin, {
          campaignId: String(campaignId),
        })
      ).status,
    ).toBe(404);
    const [invitation] = await database.db
      .select()
      .from(campaignPartners)
      .where(and(eq(campaignPartners.campaignId, campaignId), eq(campaignPartners.partnerId, matching.id)));
    expect(invitation!.status).toBe('invited');
  });

  it('a partner admin joins, once; an email not yet sent is then not sent', async () => {
    const admin = admins[0]!;
    const page = await partnerPage(campaignId, admin);
    expect(page).toMatchObject({ view: 'partner', mayAnswer: true, accounts: null });

    const joined = await campaignAction(campaignId, admin, { intent: 'answer', answer: 'join' });
    expect(joined.status).toBe(302);
    expect(joined.headers.get('location')).toBe(`/campaigns/${campaignId}?done=joined`);
    const [row] = await database.db
      .select()
      .from(campaignPartners)
      .where(and(eq(campaignPartners.campaignId, campaignId), eq(campaignPartners.partnerId, matching.id)));
    expect(row!.status).toBe('joined');
    expect(row!.respondedAt).not.toBeNull();

    const again = await campaignAction(campaignId, admins[1]!, { intent: 'answer', answer: 'decline' });
    expect(again.status).toBe(400);
    expect(again.data.fieldErrors).toEqual({ answer: 'Your company has already joined this campaign.' });

    const [unsent] = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.kind, 'campaign_invitation'), eq(notifications.userId, admins[1]!.userId)));
    const composed = await composeNotificationEmail(database.db, unsent!.id, {
      publicUrl: PUBLIC_URL,
      secret: 'x'.repeat(32),
      now: clock.now(),
    });
    expect(composed).toEqual({
      kind: 'skip',
      reason: 'The invitation was answered before this email went out.',
    });

    const declined = await campaignAction(campaignId, foreignAdmin, { intent: 'answer', answer: 'decline' });
    expect(declined.headers.get('location')).toBe(`/campaigns/${campaignId}?done=declined`);
  });

  it('partners list only the campaigns their company was invited to', async () => {
    const list = await getPage<{ view: string; campaigns: { id: number; invitation: string }[] }>(
      routes.index.loader,
      '/campaigns',
      admins[0]!,
    );
    expect(list.data.view).toBe('partner');
    expect(list.data.campaigns.map((c) => [c.id, c.invitation])).toEqual([[campaignId, 'joined']]);
    const staff = await getPage<{ view: string; campaigns: { id: number }[] }>(
      routes.index.loader,
      '/campaigns',
      manager,
    );
    expect(staff.data.view).toBe('staff');
    expect(staff.data.campaigns.map((c) => c.id)).toContain(campaignId);
  });
});

describe('the campaign figures on a known data set', () => {
  // Two partners in Iceland. Nordur has joined and the campaign offers to joined partners
  // first, so every storage lead reaches Nordur before Sudur; backup is Nordur's alone and
  // network Sudur's alone. Each lead has a customer of its own (no existing relationship).
  let campaignId: number;
  let nordur: { id: number };
  let sudur: { id: number };
  let nordurAdmin: Actor;
  let sudurRep: Actor;
  const leads: Record<string, number> = {};
  const START = new Date('2026-03-02T08:00:00Z').getTime();

  async function pendingOffer(opportunityId: number) {
    const [offer] = await database.db
      .select()
      .from(offers)
      .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
    return offer!;
  }

  /** A lead submitted at `at` hours after the start; its first offer must reach `expected`. */
  async function lead(name: string, at: number, overrides: Record<string, unknown>, expected: number | null) {
    clock.set(START + at * HOUR_MS);
    const customer = await makeCustomer(database.db, { country: 'IS', name: `Customer of ${name}` });
    const submitted = await submitOpportunity(
      deps,
      opportunityInput(customer.id, { campaignId, need: `Lead ${name}`, ...overrides }),
    );
    leads[name] = submitted.opportunityId;
    if (expected === null) expect(submitted.routing.kind).not.toBe('offered');
    else expect(submitted.routing).toMatchObject({ kind: 'offered', partnerId: expected });
    return submitted.opportunityId;
  }

  async function acceptAfter(opportunityId: number, hours: number, at: number) {
    clock.set(START + (at + hours) * HOUR_MS);
    await accept(deps, { offerId: (await pendingOffer(opportunityId)).id, userId: null });
  }

  beforeAll(async () => {
    const [campaign] = await database.db
      .insert(campaigns)
      .values({
        name: 'Iceland storage',
        status: 'active',
        currency: 'EUR',
        budgetMinor: 10_000_000, // €100,000.00
        joinedPartnersFirst: true,
        targetCountries: ['IS'],
        coordinatorUserId: coordinator.userId,
      })
      .returning();
    campaignId = campaign!.id;
    nordur = await makePartner(database.db, {
      name: 'Norður "Data", ehf.',
      tier: 'registered',
      countries: ['IS'],
      productLines: ['storage', 'backup'],
    });
    sudur = await makePartner(database.db, {
      name: 'Suður Kerfi',
      tier: 'platinum',
      countries: ['IS'],
      productLines: ['storage', 'network'],
    });
    await database.db.insert(campaignPartners).values([
      { campaignId, partnerId: nordur.id, status: 'joined' },
      { campaignId, partnerId: sudur.id, status: 'invited' },
    ]);
    nordurAdmin = await actor('partner_admin', nordur.id);
    sudurRep = await actor('partner_rep', sudur.id);
    const accountCustomer = await makeCustomer(database.db, { country: 'IS', name: 'Reykjavík Fisheries' });
    await database.db.insert(campaignAccounts).values({ campaignId, customerId: accountCustomer.id });

    // L1: Nordur accepts after 2 h, then wins €18,000.00.
    await lead('L1', 0, { valueMinor: 2_000_000 }, nordur.id);
    await acceptAfter(leads.L1!, 2, 0);
    await updateLeadStage(
      database.db,
      {
        opportunityId: leads.L1!,
        stage: 'won',
        wonValueMinor: 1_800_000,
        userId: null,
        scope: { partnerId: nordur.id },
      },
      clock,
    );
    // L2: Nordur declines after 1 h; Sudur is offered it then and accepts 4 h later; proposal.
    await lead('L2', 10, { valueMinor: 3_000_000 }, nordur.id);
    clock.set(START + 11 * HOUR_MS);
    const declined = await declineAndReroute(deps, {
      offerId: (await pendingOffer(leads.L2!)).id,
      userId: null,
      reason: 'no_capacity',
    });
    expect(declined.next).toMatchObject({ kind: 'offered', partnerId: sudur.id });
    await acceptAfter(leads.L2!, 4, 11);
    await updateLeadStage(
      database.db,
      { opportunityId: leads.L2!, stage: 'proposal', userId: null, scope: { partnerId: sudur.id } },
      clock,
    );
    // L3: network, Sudur's alone: accepted after 6 h, then lost.
    await lead('L3', 20, { productLine: 'network', valueMinor: 5_000_000 }, sudur.id);
    await acceptAfter(leads.L3!, 6, 20);
    await updateLeadStage(
      database.db,
      {
        opportunityId: leads.L3!,
        stage: 'lost',
        lostReason: 'price',
        userId: null,
        scope: { partnerId: sudur.id },
      },
      clock,
    );
    // L4: backup, Nordur's alone: accepted after 1 h and still open.
    await lead('L4', 30, { productLine: 'backup', valueMinor: 1_000_000 }, nordur.id);
    await acceptAfter(leads.L4!, 1, 30);
    // L5: backup, declined by Nordur: nobody else sells backup, so it is unroutable.
    await lead('L5', 40, { productLine: 'backup', valueMinor: 500_000 }, nordur.id);
    clock.set(START + 41 * HOUR_MS);
    const unroutable = await declineAndReroute(deps, {
      offerId: (await pendingOffer(leads.L5!)).id,
      userId: null,
      reason: 'deal_too_small',
    });
    expect(unroutable.next.kind).not.toBe('offered');
    // L6: in US dollars: Nordur accepts after 3 h and wins $7,000.00, reported apart.
    await lead('L6', 50, { currency: 'USD', valueMinor: 700_000 }, nordur.id);
    await acceptAfter(leads.L6!, 3, 50);
    await updateLeadStage(
      database.db,
      {
        opportunityId: leads.L6!,
        stage: 'won',
        wonValueMinor: 700_000,
        userId: null,
        scope: { partnerId: nordur.id },
      },
      clock,
    );
    // L7: a product line nobody sells: never offered.
    await lead('L7', 60, { productLine: 'gadgets', valueMinor: 900_000 }, null);
  });

  it('counts every figure exactly, overall and per partner', async () => {
    const figures = await campaignFigures(database.db, campaignId);
    expect(figures).toEqual({
      currency: 'EUR',
      budgetMinor: 10_000_000,
      overall: {
        leads: 7,
        offered: 6, // all but L7
        accepted: 5, // L1 won, L2 proposal, L3 lost, L4 accepted, L6 won
        medianAcceptSeconds: 3 * 3600, // of 1, 2, 3, 4 and 6 hours
        pipelineMinor: 4_000_000, // L2 €30,000 + L4 €10,000; L6 is in dollars
        wonMinor: 1_800_000, // L1; L6's $7,000 is not added to euros
        wonShareOfBudget: 0.18,
      },
      partners: [
        {
          partnerId: nordur.id,
          partnerName: 'Norður "Data", ehf.',
          leads: 3, // L1, L4, L6
          offered: 5, // L1, L2, L4, L5, L6
          accepted: 3,
          medianAcceptSeconds: 2 * 3600, // of 1, 2 and 3 hours
          pipelineMinor: 1_000_000,
          wonMinor: 1_800_000,
          wonShareOfBudget: 0.18,
        },
        {
          partnerId: sudur.id,
          partnerName: 'Suður Kerfi',
          leads: 2, // L2, L3
          offered: 2,
          accepted: 2,
          medianAcceptSeconds: 5 * 3600, // between 4 and 6 hours
          pipelineMinor: 3_000_000,
          wonMinor: 0,
          wonShareOfBudget: 0,
        },
      ],
      otherCurrencies: [{ currency: 'USD', leads: 1, pipelineMinor: 0, wonMinor: 700_000 }],
    });
  });

  it('the campaign page shows the same figures, with a chart of each', async () => {
    const { figures } = await staffPage(campaignId, coordinator);
    expect(figures.overall).toMatchObject({
      leads: 7,
      offered: 6,
      accepted: 5,
      median: '3 h',
      pipeline: '€40,000.00',
      won: '€18,000.00',
      ofBudget: '18%',
    });
    expect(figures.partners.map((p) => [p.name, p.median, p.won])).toEqual([
      ['Norður "Data", ehf.', '2 h', '€18,000.00'],
      ['Suður Kerfi', '5 h', '€0.00'],
    ]);
    expect(figures.wonBars).toEqual([
      { label: 'Norður "Data", ehf.', value: 1_800_000, display: '€18,000.00' },
      { label: 'Suður Kerfi', value: 0, display: '€0.00' },
    ]);
    expect(figures.otherCurrencies).toEqual([
      { currency: 'USD', leads: 1, pipeline: 'US$0.00', won: 'US$7,000.00' },
    ]);
  });

  it('exports the figures per partner as CSV, names quoted where they must be', async () => {
    const answer = await settle(() =>
      routes.csv.loader({
        request: new Request(`http://localhost/campaigns/${campaignId}/export.csv`, {
          headers: { cookie: manager.cookie },
        }),
        params: { campaignId: String(campaignId) },
        context: {},
      }),
    );
    if (!(answer instanceof Response)) throw new Error('expected a response');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="campaign-${campaignId}-figures.csv"`,
    );
    const bytes = new Uint8Array(await answer.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.slice(3))).toBe(
      [
        'Partner,Leads,Offered,Accepted,Median time to accept (hours),Pipeline value (EUR),Won value (EUR),Won value against budget (%)',
        '"Norður ""Data"", ehf.",3,5,3,2,10000.00,18000.00,18',
        'Suður Kerfi,2,2,2,5,30000.00,0.00,0',
        'All partners,7,6,5,3,40000.00,18000.00,18',
        '',
      ].join('\r\n'),
    );
    for (const who of [nordurAdmin, sudurRep]) {
      const refused = await getPage(routes.csv.loader, `/campaigns/${campaignId}/export.csv`, who, {
        campaignId: String(campaignId),
      });
      expect(refused.status).toBe(404);
    }
  });

  it('a joined partner sees the target accounts and its own campaign leads only', async () => {
    const page = await partnerPage(campaignId, nordurAdmin);
    expect('figures' in page).toBe(false);
    expect(page.accounts?.map((a) => a.name)).toEqual(['Reykjavík Fisheries']);
    expect(page.leads.map((l) => l.opportunityId).sort()).toEqual([leads.L1, leads.L4, leads.L6].sort());
  });

  it('an invited partner that has not joined sees no target accounts, and only its own leads', async () => {
    const page = await partnerPage(campaignId, sudurRep);
    expect(page.accounts).toBeNull();
    expect(page.mayAnswer).toBe(false);
    expect(page.leads.map((l) => l.opportunityId).sort()).toEqual([leads.L2, leads.L3].sort());
  });

  it('a coordinator adds and removes target accounts found by name', async () => {
    await makeCustomer(database.db, { country: 'IS', name: 'Akureyri Logistics' });
    const search = await staffPage(campaignId, coordinator, '?q=akureyri');
    expect(search.customerMatches).toHaveLength(1);
    const customerId = search.customerMatches[0]!.customerId;
    expect(
      (
        await campaignAction(campaignId, coordinator, {
          intent: 'addAccount',
          customerId: String(customerId),
        })
      ).status,
    ).toBe(302);
    expect(
      (await campaignAction(campaignId, manager, { intent: 'addAccount', customerId: String(customerId) }))
        .status,
    ).toBe(404);
    const bad = await campaignAction(campaignId, coordinator, { intent: 'addAccount', customerId: '999999' });
    expect(bad.data.fieldErrors).toEqual({ customerId: 'Choose a customer from the search results.' });
    const names = async () => (await partnerPage(campaignId, nordurAdmin)).accounts?.map((a) => a.name);
    expect(await names()).toEqual(['Akureyri Logistics', 'Reykjavík Fisheries']);
    await campaignAction(campaignId, coordinator, {
      intent: 'removeAccount',
      customerId: String(customerId),
    });
    expect(await names()).toEqual(['Reykjavík Fisheries']);
    const rows = await database.db
      .select()
      .from(campaignAccounts)
      .where(
        and(eq(campaignAccounts.campaignId, campaignId), inArray(campaignAccounts.customerId, [customerId])),
      );
    expect(rows).toEqual([]);
  });
});
