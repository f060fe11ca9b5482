import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CAMPAIGN_ANSWER_MESSAGES,
  CAMPAIGN_ANSWER_LINK_DAYS,
} from '../../app/domain/campaigns/campaign-answer-links.server';
import { campaignFormSchema } from '../../app/domain/campaigns/campaign-form';
import { createCampaign, invitePartners } from '../../app/domain/campaigns/campaigns.server';
import { ManualClock } from '../../app/domain/clock';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { verifyCampaignAnswer } from '../../app/domain/notifications/signed-tokens';
import type * as CampaignAnswerRoute from '../../app/routes/campaign-answer.$token';
import { campaignPartners, campaigns, notifications, users } from '../../db/schema';
import { formPost, makeUser, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makePartner } from '../support/factories';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The page reads Postgres the way production does (db.server) and answers against the real
// clock, so the environment names this file's own database before the route is imported, and
// invitations are made at times set around the real now.
let database: TestDatabase;
let secret: string;
let route: typeof CampaignAnswerRoute;
let close: () => Promise<void>;
const PUBLIC_URL = 'https://partners.example.com';
const DAY_MS = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  const [page, envServer, dbServer] = await Promise.all([
    import('../../app/routes/campaign-answer.$token'),
    import('../../app/utils/env.server'),
    import('../../app/utils/db.server'),
  ]);
  route = page;
  secret = envServer.env().APP_SECRET;
  close = () => dbServer.closeDatabase();
});
afterAll(async () => {
  await close?.();
  await database.drop();
});

interface PageData {
  state?: string;
  problem?: string;
  message?: string;
  answer?: string;
  campaignName?: string;
  partnerName?: string;
  facts?: [string, string][];
  status?: string;
  campaignId?: number;
}
type RouteFunction = (args: { request: Request; params: Record<string, string>; context: object }) => unknown;
type Link = { path: string; token: string };

const linkOf = (url: string): Link => {
  const path = new URL(url).pathname;
  return { path, token: path.split('/').pop()! };
};

// A browser before sign-in: the root loader gave it the pre-session CSRF cookie and the form
// carries the same value.
const PRE_SESSION_CSRF = 'pre-session-csrf-token-for-campaign-answers';

async function call(fn: RouteFunction, request: Request, link: Link) {
  return unwrap<PageData>(
    await settle(() => fn({ request, params: { token: link.token }, context: {} }) as Promise<unknown>),
  );
}
const openLink = (link: Link) =>
  call(route.loader as RouteFunction, new Request(`http://localhost${link.path}`), link);
/** Presses the page's button: it names the answer it gives, as the page's button does. */
const pressLink = (link: Link, fields: Record<string, string>, cookie = `baton_csrf=${PRE_SESSION_CSRF}`) =>
  call(
    route.action as RouteFunction,
    formPost(`http://localhost${link.path}`, { csrf: PRE_SESSION_CSRF, ...fields }, { Cookie: cookie }),
    link,
  );

/** A calendar day `days` from the real today, as campaigns store it. */
const dayFromToday = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

async function newCampaign(coordinatorUserId: number, name: string, endsOn: string) {
  const campaign = campaignFormSchema.parse({
    name,
    goal: 'Replace ageing storage at Nordic manufacturers.',
    startsOn: dayFromToday(-1),
    endsOn,
    status: 'active',
    budget: '',
    currency: 'EUR',
    targetCountries: ['SE', 'FI'],
    targetIndustries: ['manufacturing'],
    targetSizeSegments: ['mid_market'],
    targetProductLines: ['storage'],
    joinedPartnersFirst: 'yes',
  });
  const { campaignId } = await createCampaign(
    database.db,
    { coordinatorUserId, campaign },
    new ManualClock(Date.now()),
  );
  return campaignId;
}

/** The invitation email one admin gets, composed the way the worker composes it after fan-out. */
async function invitationLinks(campaignId: number, userId: number, composedAt = new Date()) {
  await fanOutPending(database.db);
  const [row] = await database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      and(
        eq(notifications.audience, 'user'),
        eq(notifications.kind, 'campaign_invitation'),
        eq(notifications.userId, userId),
        sql`${notifications.payload}->>'campaignId' = ${String(campaignId)}`,
      ),
    );
  expect(row, `an invitation email row for user ${userId}`).toBeDefined();
  const composed = await composeNotificationEmail(database.db, row!.id, {
    publicUrl: PUBLIC_URL,
    secret,
    now: composedAt,
  });
  if (composed.kind !== 'message' || composed.message.kind !== 'campaign_invitation')
    throw new Error(`expected a campaign_invitation message, got ${JSON.stringify(composed)}`);
  const { joinUrl, declineUrl, campaignUrl } = composed.message;
  expect(joinUrl.startsWith(`${PUBLIC_URL}/campaign-answer/`)).toBe(true);
  expect(campaignUrl).toBe(`${PUBLIC_URL}/campaigns/${campaignId}`);
  return { join: linkOf(joinUrl), decline: linkOf(declineUrl) };
}

async function invitationOf(campaignId: number, partnerId: number) {
  const [row] = await database.db
    .select()
    .from(campaignPartners)
    .where(and(eq(campaignPartners.campaignId, campaignId), eq(campaignPartners.partnerId, partnerId)));
  return row!;
}

/** Everything a link may change: the invitations, and the routing tables and notifications. */
async function state() {
  const invitations = await database.db.select().from(campaignPartners);
  return { invitations, ...(await snapshot(database.db)) };
}

/** The same link with one character of its signature changed. */
function withSignatureChanged(link: Link): Link {
  const at = link.token.length - 10;
  const token = `${link.token.slice(0, at)}${link.token[at] === 'A' ? 'B' : 'A'}${link.token.slice(at + 1)}`;
  return { path: `/campaign-answer/${token}`, token };
}

describe('one-click answers from a campaign invitation email', () => {
  let nordlys: number;
  let astrid: number;
  let nils: number;
  let coordinator: number;
  /** Answered by the tests below, in order: the first through its Join link. */
  let spring: number;
  /** Stays open until the last test: the refusals are tried on it. */
  let autumn: number;

  beforeAll(async () => {
    nordlys = (await makePartner(database.db, { name: 'Nordlys IT', countries: ['SE', 'FI'] })).id;
    astrid = (await makeUser(database.db, { role: 'partner_admin', partnerId: nordlys, name: 'Astrid Lund' }))
      .id;
    nils = (await makeUser(database.db, { role: 'partner_admin', partnerId: nordlys, name: 'Nils Berg' })).id;
    coordinator = (await makeUser(database.db, { role: 'campaign_coordinator' })).id;
    spring = await newCampaign(coordinator, 'Nordic storage spring', dayFromToday(120));
    autumn = await newCampaign(coordinator, 'Nordic storage autumn', dayFromToday(200));
    const clock = new ManualClock(Date.now());
    for (const campaignId of [spring, autumn]) {
      await invitePartners(database.db, { campaignId, partnerIds: [nordlys] }, clock);
    }
  });

  it('opening the Join link shows what the email showed and changes nothing', async () => {
    const { join } = await invitationLinks(spring, astrid);
    const before = await state();
    const page = await openLink(join);
    expect(page.status).toBe(200);
    expect(page.data).toMatchObject({
      state: 'confirm',
      answer: 'join',
      campaignName: 'Nordic storage spring',
      partnerName: 'Nordlys IT',
    });
    expect(page.data.facts).toEqual(
      expect.arrayContaining([
        ['Goal', 'Replace ageing storage at Nordic manufacturers.'],
        ['Countries', 'Sweden, Finland'],
        ['Customer sizes', 'Mid-market'],
        ['Product lines', 'Storage'],
      ]),
    );
    // Opened twice, as a mail scanner and then the reader would: still nothing.
    expect((await openLink(join)).status).toBe(200);
    expect(await state()).toEqual(before);
    expect((await invitationOf(spring, nordlys)).status).toBe('invited');
  });

  it('a POST that does not press the button, or comes from another site, answers nothing', async () => {
    const { join } = await invitationLinks(spring, astrid);
    const before = await state();
    const bare = await pressLink(join, {});
    expect(bare.status).toBe(400);
    expect(bare.data.state).toBe('unconfirmed');
    // The Join link's page has no Decline button: a press naming the other answer is not one.
    expect((await pressLink(join, { answer: 'decline' })).status).toBe(400);
    // No pre-session cookie: the form did not come from this page.
    expect((await pressLink(join, { answer: 'join' }, '')).status).toBe(403);
    expect(await state()).toEqual(before);
  });

  it('pressing Join joins the campaign, once; the Decline link of the same email is then refused', async () => {
    const { join, decline } = await invitationLinks(spring, astrid);
    // Another admin's email, sent before the answer: it answers for the same company.
    const other = await invitationLinks(spring, nils);
    const done = await pressLink(join, { answer: 'join' });
    expect(done.status).toBe(200);
    expect(done.data).toEqual({ state: 'done', status: 'joined', campaignId: spring });
    const joined = await invitationOf(spring, nordlys);
    expect(joined.status).toBe('joined');
    expect(joined.respondedAt).not.toBeNull();

    const before = await state();
    const again = await pressLink(join, { answer: 'join' });
    expect(again.status).toBe(410);
    expect(again.data).toMatchObject({ state: 'problem', problem: 'answered' });
    expect(again.data.message).toContain('already answered');
    expect((await openLink(join)).status).toBe(410);

    for (const refused of [await openLink(decline), await pressLink(decline, { answer: 'decline' })]) {
      expect(refused.status).toBe(410);
      expect(refused.data).toEqual({
        state: 'problem',
        problem: 'answered',
        message: CAMPAIGN_ANSWER_MESSAGES.answered,
      });
    }
    // The other admin's email is used up by the same answer.
    expect((await pressLink(other.decline, { answer: 'decline' })).status).toBe(410);
    expect(await state()).toEqual(before);
  });

  it('a changed link is not found', async () => {
    const { join } = await invitationLinks(autumn, astrid);
    const before = await state();
    const otherCampaign = join.token.replace(/^\d+/, String(spring));
    for (const forged of [
      withSignatureChanged(join),
      { path: `/campaign-answer/${otherCampaign}`, token: otherCampaign },
      { path: '/campaign-answer/nonsense', token: 'nonsense' },
    ]) {
      const opened = await openLink(forged);
      expect(opened.status).toBe(404);
      expect(opened.data.message).toBe(CAMPAIGN_ANSWER_MESSAGES.invalid);
      expect((await pressLink(forged, { answer: 'join' })).status).toBe(404);
    }
    expect(await state()).toEqual(before);
  });

  it('an expired link is refused, and its invitation stays open', async () => {
    const composedLongAgo = new Date(Date.now() - (CAMPAIGN_ANSWER_LINK_DAYS + 1) * DAY_MS);
    const { join } = await invitationLinks(autumn, nils, composedLongAgo);
    const before = await state();
    for (const refused of [await openLink(join), await pressLink(join, { answer: 'join' })]) {
      expect(refused.status).toBe(410);
      expect(refused.data.problem).toBe('expired');
    }
    expect(await state()).toEqual(before);
    expect((await invitationOf(autumn, nordlys)).status).toBe('invited');
  });

  it('lasts 30 days, or until the end of the campaign’s last day if that is sooner', async () => {
    const composedAt = new Date();
    const { join } = await invitationLinks(autumn, nils, composedAt);
    const claims = verifyCampaignAnswer(secret, join.token);
    expect(claims).toMatchObject({
      ok: true,
      claims: { campaignId: autumn, partnerId: nordlys, userId: nils },
    });
    if (!claims.ok) return;
    expect(claims.claims.expiresAtMs).toBe(composedAt.getTime() + 30 * DAY_MS);

    const soon = await newCampaign(coordinator, 'Nordic storage sprint', dayFromToday(10));
    await invitePartners(
      database.db,
      { campaignId: soon, partnerIds: [nordlys] },
      new ManualClock(Date.now()),
    );
    const short = verifyCampaignAnswer(secret, (await invitationLinks(soon, nils, composedAt)).join.token);
    expect(short.ok && short.claims.expiresAtMs).toBe(Date.parse(`${dayFromToday(11)}T00:00:00Z`));
  });

  it('a link of an admin who is no longer a partner admin is refused', async () => {
    const { join, decline } = await invitationLinks(autumn, astrid);
    await database.db.update(users).set({ role: 'partner_rep' }).where(eq(users.id, astrid));
    const before = await state();
    for (const refused of [
      await openLink(join),
      await pressLink(join, { answer: 'join' }),
      await pressLink(decline, { answer: 'decline' }),
    ]) {
      expect(refused.status).toBe(410);
      expect(refused.data).toMatchObject({
        problem: 'not_allowed',
        message: CAMPAIGN_ANSWER_MESSAGES.not_allowed,
      });
    }
    expect(await state()).toEqual(before);
    expect((await invitationOf(autumn, nordlys)).status).toBe('invited');
  });

  it('a completed campaign can no longer be joined from the email, but can still be declined', async () => {
    const { join, decline } = await invitationLinks(autumn, nils);
    await database.db.update(campaigns).set({ status: 'completed' }).where(eq(campaigns.id, autumn));
    const refused = await pressLink(join, { answer: 'join' });
    expect(refused.status).toBe(410);
    expect(refused.data.problem).toBe('completed');
    expect((await invitationOf(autumn, nordlys)).status).toBe('invited');

    const declined = await pressLink(decline, { answer: 'decline' });
    expect(declined.data).toEqual({ state: 'done', status: 'declined', campaignId: autumn });
    expect((await invitationOf(autumn, nordlys)).status).toBe('declined');
  });
});
