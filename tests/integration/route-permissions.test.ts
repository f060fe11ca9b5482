import path from 'node:path';
import { UNSAFE_flatRoutes as flatRoutes } from '@remix-run/dev';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { capturedMail, type USER_ROLES } from '../../db/schema';
import { usesRouteKit } from '../../app/utils/route-kit.server';
import { makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { startRemixApp, type RemixApp } from '../support/remix-handler';
import { recordsForEveryRoute } from '../support/route-records';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * Every route of Remix's route manifest, against every kind of visitor, including a partner
 * user reaching for another partner's ids. A route added without a case here fails the suite.
 */
const ACTORS = [
  'anonymous',
  'rep',
  'partnerAdmin',
  'foreignRep',
  'foreignAdmin',
  'manager',
  'coordinator',
  'admin',
] as const;
type Actor = (typeof ACTORS)[number];

/** ok: answered 2xx · home: redirected elsewhere · signIn: sent to sign in · hidden: 404. */
type LoaderOutcome = 'ok' | 'home' | 'signIn' | 'hidden';
/**
 * reached: past permission and CSRF checks (answered anything but 404, 403 or a redirect to sign
 * in) · refused: 403, or sent to sign in · signedOut: sent to sign in after signing out.
 */
type ActionOutcome = 'reached' | 'refused' | 'hidden' | 'signedOut';

interface RouteCase {
  url: (ids: Ids) => string;
  params: (ids: Ids) => Record<string, string>;
  loader: Record<Actor, LoaderOutcome>;
  action?: Record<Actor, ActionOutcome>;
}

interface Ids {
  offerId: number;
  leadId: number;
  /** The lead of the pending offer. */
  pendingLeadId: number;
  partnerId: number;
  /** A decline link from an offer email, the rep's, for the pending offer. */
  declineToken: string;
  /** A password reset link of an account none of the visitors uses. */
  resetToken: string;
  /** A sign-in link of that account. */
  signInLinkToken: string;
  /** A mail caught by the demo's SMTP capture. */
  mailId: number;
  /** A deal registration of the own partner, awaiting a decision. */
  registrationId: number;
  /** A customer record the own partner contributed. */
  customerId: number;
  /** A campaign the own partner is invited to; the foreign one is not. */
  campaignId: number;
  /** The Join link of that invitation's email, the own partner admin's. */
  campaignAnswerToken: string;
  /** A CSV import uploaded by a channel manager, with rejected rows to download. */
  importId: number;
}

const staffOnly = (staff: LoaderOutcome, partners: LoaderOutcome = 'hidden') => ({
  anonymous: 'signIn' as const,
  rep: partners,
  partnerAdmin: partners,
  foreignRep: partners,
  foreignAdmin: partners,
  manager: staff,
  coordinator: staff,
  admin: staff,
});

const CASES: Record<string, RouteCase> = {
  'routes/_index': {
    url: () => '/',
    params: () => ({}),
    loader: { ...staffOnly('home', 'home'), anonymous: 'signIn' },
  },
  'routes/sign-in': {
    url: () => '/sign-in',
    params: () => ({}),
    loader: { ...staffOnly('home', 'home'), anonymous: 'ok' },
    // Without a session, the pre-session CSRF cookie is missing here: refused before anything.
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/queue': {
    url: () => '/queue',
    params: () => ({}),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
  },
  'routes/inbox': {
    url: () => '/inbox',
    params: () => ({}),
    loader: staffOnly('hidden', 'ok'),
  },
  'routes/inbox.$offerId': {
    url: (ids) => `/inbox/${ids.offerId}`,
    params: (ids) => ({ offerId: String(ids.offerId) }),
    loader: { ...staffOnly('hidden', 'ok'), foreignRep: 'hidden', foreignAdmin: 'hidden' },
    action: ownPartnerOnly(),
  },
  'routes/leads': {
    url: () => '/leads',
    params: () => ({}),
    loader: staffOnly('hidden', 'ok'),
  },
  'routes/leads.$opportunityId': {
    url: (ids) => `/leads/${ids.leadId}`,
    params: (ids) => ({ opportunityId: String(ids.leadId) }),
    loader: { ...staffOnly('hidden', 'ok'), foreignRep: 'hidden', foreignAdmin: 'hidden' },
    action: ownPartnerOnly(),
  },
  'routes/opportunities.$opportunityId': {
    url: (ids) => `/opportunities/${ids.leadId}`,
    params: (ids) => ({ opportunityId: String(ids.leadId) }),
    loader: staffOnly('ok'),
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  // Confirmation pages: the POST names no offer (or partner), so it is refused and changes nothing.
  'routes/opportunities.$opportunityId_.withdraw': {
    url: (ids) => `/opportunities/${ids.pendingLeadId}/withdraw`,
    params: (ids) => ({ opportunityId: String(ids.pendingLeadId) }),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/opportunities.$opportunityId_.reroute': {
    url: (ids) => `/opportunities/${ids.pendingLeadId}/reroute`,
    params: (ids) => ({ opportunityId: String(ids.pendingLeadId) }),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/opportunities.$opportunityId_.take-back': {
    url: (ids) => `/opportunities/${ids.leadId}/take-back`,
    params: (ids) => ({ opportunityId: String(ids.leadId) }),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  // A partner user's own notices; the POST names no notice, so nothing is marked read.
  'routes/notices': {
    url: () => '/notices',
    params: () => ({}),
    loader: staffOnly('hidden', 'ok'),
    action: {
      ...staffActions('hidden'),
      rep: 'reached',
      partnerAdmin: 'reached',
      foreignRep: 'reached',
      foreignAdmin: 'reached',
    },
  },
  'routes/opportunities.new': {
    url: () => '/opportunities/new',
    params: () => ({}),
    loader: staffOnly('ok'),
    action: staffActions(),
  },
  'routes/partners': {
    url: () => '/partners',
    params: () => ({}),
    loader: staffOnly('ok'),
  },
  'routes/partners.$partnerId': {
    url: (ids) => `/partners/${ids.partnerId}`,
    params: (ids) => ({ partnerId: String(ids.partnerId) }),
    loader: staffOnly('ok'),
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/company': {
    url: () => '/company',
    params: () => ({}),
    loader: staffOnly('hidden', 'ok'),
    action: { ...partnerAdminsOnly() },
  },
  'routes/company.users': {
    url: () => '/company/users',
    params: () => ({}),
    loader: { ...staffOnly('hidden', 'ok'), rep: 'hidden', foreignRep: 'hidden' },
    action: { ...partnerAdminsOnly() },
  },
  'routes/settings.routing': {
    url: () => '/settings/routing',
    params: () => ({}),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/email-action.$token': {
    url: (ids) => `/email-action/${ids.declineToken}`,
    params: (ids) => ({ token: ids.declineToken }),
    // Anonymous by design: the signed link stands in for the session. The POST carries no
    // reason, so it reaches the reason's field error and the link stays unused.
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/campaign-answer.$token': {
    url: (ids) => `/campaign-answer/${ids.campaignAnswerToken}`,
    params: (ids) => ({ token: ids.campaignAnswerToken }),
    // Anonymous by design: the signed link stands in for the session. The POST does not press
    // the Join button (no answer field), so it is told to and the invitation stays open.
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/forgot-password': {
    url: () => '/forgot-password',
    params: () => ({}),
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/reset-password.$token': {
    url: (ids) => `/reset-password/${ids.resetToken}`,
    params: (ids) => ({ token: ids.resetToken }),
    // The POST carries no password: a field error, and the link stays good.
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/sign-in-link': {
    url: () => '/sign-in-link',
    params: () => ({}),
    // The POST carries no address: a field error, and nothing is sent or counted.
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/sign-in-link.$token': {
    url: (ids) => `/sign-in-link/${ids.signInLinkToken}`,
    params: (ids) => ({ token: ids.signInLinkToken }),
    // The POST does not press the button (no intent): it is told to, and the link stays good.
    loader: allOk(),
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/notifications': {
    url: () => '/notifications',
    params: () => ({}),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
  },
  'routes/settings.notifications': {
    url: () => '/settings/notifications',
    params: () => ({}),
    loader: { ...staffOnly('hidden'), manager: 'ok' },
    action: { ...staffActions('hidden'), manager: 'reached' },
  },
  // Open to every visitor outside production (the test environment): the demo's mailbox.
  'routes/dev.mail': {
    url: () => '/dev/mail',
    params: () => ({}),
    loader: allOk(),
  },
  'routes/dev.mail.$mailId': {
    url: (ids) => `/dev/mail/${ids.mailId}`,
    params: (ids) => ({ mailId: String(ids.mailId) }),
    loader: allOk(),
  },
  'routes/registrations._index': {
    url: () => '/registrations',
    params: () => ({}),
    // Every partner user sees its own company's registrations (a foreign one: its own, empty).
    loader: { ...staffOnly('ok', 'ok'), coordinator: 'hidden' },
  },
  'routes/registrations.new': {
    url: () => '/registrations/new',
    params: () => ({}),
    loader: staffOnly('hidden', 'ok'),
    // The empty form reaches the action and comes back with field errors.
    action: {
      ...staffActions('hidden'),
      rep: 'reached',
      partnerAdmin: 'reached',
      foreignRep: 'reached',
      foreignAdmin: 'reached',
    },
  },
  'routes/registrations.$opportunityId': {
    url: (ids) => `/registrations/${ids.registrationId}`,
    params: (ids) => ({ opportunityId: String(ids.registrationId) }),
    loader: { ...staffOnly('ok', 'hidden'), rep: 'ok', partnerAdmin: 'ok', coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/customers._index': {
    url: () => '/customers',
    params: () => ({}),
    loader: staffOnly('ok', 'ok'),
  },
  'routes/customers.new': {
    url: () => '/customers/new',
    params: () => ({}),
    loader: staffOnly('ok', 'ok'),
    // An empty form reaches the action and comes back with the name's field error.
    action: { ...allReached(), anonymous: 'refused' },
  },
  'routes/customers.$customerId': {
    url: (ids) => `/customers/${ids.customerId}`,
    params: (ids) => ({ customerId: String(ids.customerId) }),
    loader: { ...staffOnly('ok', 'ok'), foreignRep: 'hidden', foreignAdmin: 'hidden' },
    // Adding a contact: the contributing partner and vendor staff who may update records.
    action: { ...ownPartnerOnly(), manager: 'reached', admin: 'reached' },
  },
  'routes/customers.$customerId_.merge': {
    url: (ids) => `/customers/${ids.customerId}/merge`,
    params: (ids) => ({ customerId: String(ids.customerId) }),
    loader: { ...staffOnly('ok'), coordinator: 'hidden' },
    action: { ...staffActions(), coordinator: 'hidden' },
  },
  'routes/campaigns._index': {
    url: () => '/campaigns',
    params: () => ({}),
    // Partner users see the campaigns they were invited to (a foreign one: none).
    loader: staffOnly('ok', 'ok'),
  },
  'routes/campaigns.new': {
    url: () => '/campaigns/new',
    params: () => ({}),
    loader: { ...staffOnly('hidden'), coordinator: 'ok', admin: 'ok' },
    action: { ...staffActions('hidden'), coordinator: 'reached', admin: 'reached' },
  },
  'routes/campaigns.$campaignId': {
    url: (ids) => `/campaigns/${ids.campaignId}`,
    params: (ids) => ({ campaignId: String(ids.campaignId) }),
    loader: { ...staffOnly('ok', 'ok'), foreignRep: 'hidden', foreignAdmin: 'hidden' },
    // Without an intent the action needs the coordinator's right to edit the campaign.
    action: { ...staffActions('hidden'), coordinator: 'reached', admin: 'reached' },
  },
  'routes/campaigns.$campaignId.export[.csv]': {
    url: (ids) => `/campaigns/${ids.campaignId}/export.csv`,
    params: (ids) => ({ campaignId: String(ids.campaignId) }),
    loader: staffOnly('ok'),
  },
  // Imports are vendor staff's: every staff member sees every import, partners none.
  'routes/imports._index': {
    url: () => '/imports',
    params: () => ({}),
    loader: staffOnly('ok'),
    action: staffActions(),
  },
  'routes/imports.$importId': {
    url: (ids) => `/imports/${ids.importId}`,
    params: (ids) => ({ importId: String(ids.importId) }),
    loader: staffOnly('ok'),
    action: staffActions(),
  },
  'routes/imports.$importId.rejected[.csv]': {
    url: (ids) => `/imports/${ids.importId}/rejected.csv`,
    params: (ids) => ({ importId: String(ids.importId) }),
    loader: staffOnly('ok'),
  },
  'routes/sign-out': {
    url: () => '/sign-out',
    params: () => ({}),
    loader: Object.fromEntries(ACTORS.map((a) => [a, 'home'])) as Record<Actor, LoaderOutcome>,
    // Last: signing out ends the sessions every other case uses.
    action: { ...allSignedOut(), anonymous: 'refused' },
  },
};

function allOk(): Record<Actor, LoaderOutcome> {
  return Object.fromEntries(ACTORS.map((a) => [a, 'ok'])) as Record<Actor, LoaderOutcome>;
}
function allSignedOut(): Record<Actor, ActionOutcome> {
  return Object.fromEntries(ACTORS.map((a) => [a, 'signedOut'])) as Record<Actor, ActionOutcome>;
}
function allReached(): Record<Actor, ActionOutcome> {
  return Object.fromEntries(ACTORS.map((a) => [a, 'reached'])) as Record<Actor, ActionOutcome>;
}
function ownPartnerOnly(): Record<Actor, ActionOutcome> {
  return { ...staffActions('hidden'), rep: 'reached', partnerAdmin: 'reached' };
}
function partnerAdminsOnly(): Record<Actor, ActionOutcome> {
  return { ...staffActions('hidden'), partnerAdmin: 'reached', foreignAdmin: 'reached' };
}
function staffActions(staff: ActionOutcome = 'reached'): Record<Actor, ActionOutcome> {
  return {
    anonymous: 'refused',
    rep: 'hidden',
    partnerAdmin: 'hidden',
    foreignRep: 'hidden',
    foreignAdmin: 'hidden',
    manager: staff,
    coordinator: staff,
    admin: staff,
  };
}

let database: TestDatabase;
let app: RemixApp;
let ids: Ids;
const sessions = {} as Record<Actor, { cookie: string; csrf: string } | null>;
type RouteModule = {
  loader?: (args: { request: Request; params: Record<string, string>; context: object }) => unknown;
  action?: (args: { request: Request; params: Record<string, string>; context: object }) => unknown;
};
const modules: Record<string, RouteModule> = {};
const manifest = flatRoutes(path.resolve('app'));

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  for (const route of Object.values(manifest)) {
    modules[route.id] = (await import(`../../app/${route.file}`)) as RouteModule;
  }
  const clock = new ManualClock(new Date());
  const deps: LoopDeps = { db: database.db, clock, timers: new RecordingTimers() };
  const own = await makePartner(database.db, { tier: 'platinum', countries: ['SE'] });
  const foreign = await makePartner(database.db, { tier: 'registered', countries: ['NO'] });
  const customer = await makeCustomer(database.db, { country: 'SE' });
  const pending = await submitOpportunity(deps, opportunityInput(customer.id));
  const taken = await submitOpportunity(deps, opportunityInput(customer.id));
  if (pending.routing.kind !== 'offered' || taken.routing.kind !== 'offered')
    throw new Error('expected offers');
  await accept(deps, { offerId: taken.routing.timer.offerId, userId: null });

  let repId = 0;
  let adminId = 0;
  const sessionOf = async (role: (typeof USER_ROLES)[number], partnerId: number | null = null) => {
    const user = await makeUser(database.db, { role, partnerId });
    if (role === 'partner_rep' && partnerId === own.id) repId = user.id;
    if (role === 'partner_admin' && partnerId === own.id) adminId = user.id;
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    return { cookie, csrf: session.csrfToken };
  };
  sessions.anonymous = null;
  sessions.rep = await sessionOf('partner_rep', own.id);
  sessions.partnerAdmin = await sessionOf('partner_admin', own.id);
  sessions.foreignRep = await sessionOf('partner_rep', foreign.id);
  sessions.foreignAdmin = await sessionOf('partner_admin', foreign.id);
  sessions.manager = await sessionOf('channel_manager');
  sessions.coordinator = await sessionOf('campaign_coordinator');
  sessions.admin = await sessionOf('admin');

  const secret = (await import('../../app/utils/env.server')).env().APP_SECRET;
  const offerId = pending.routing.timer.offerId;
  const records = await recordsForEveryRoute(database.db, {
    clock,
    secret,
    ownPartnerId: own.id,
    repId,
    adminId,
    offerId,
  });
  const [mail] = await database.db
    .insert(capturedMail)
    .values({
      mailFrom: 'baton@localhost',
      rcptTo: ['someone@example.com'],
      subject: 'A caught mail',
      textBody: 'Hello',
      htmlBody: '<p>Hello</p>',
    })
    .returning();
  ids = {
    ...records,
    offerId,
    leadId: taken.opportunityId,
    pendingLeadId: pending.opportunityId,
    partnerId: own.id,
    mailId: mail!.id,
  };
  app = await startRemixApp();
});
afterAll(async () => {
  await app?.close();
  await (await import('../../app/utils/loop.server')).closeLoop?.();
  await (await import('../../app/utils/db.server')).closeDatabase();
  await database.drop();
});

/**
 * An answer's kind, alike for a page and its data request: a single-fetch data request carries a
 * redirect as a 202 with `X-Remix-Redirect`, a page as a 3xx with `Location`.
 */
function statusClass(answer: Response): string {
  const redirectTo = answer.headers.get('x-remix-redirect') ?? answer.headers.get('location');
  if (redirectTo !== null) return `redirect to ${redirectTo.split('?')[0]}`;
  return String(answer.status);
}

function loaderOutcome(status: number, location: string | null): LoaderOutcome | string {
  if (status === 404) return 'hidden';
  if (status >= 300 && status < 400) return location?.startsWith('/sign-in') ? 'signIn' : 'home';
  if (status >= 200 && status < 300) return 'ok';
  return `status ${status}`;
}

function actionOutcome(
  status: number,
  location: string | null,
  expected: ActionOutcome,
): ActionOutcome | string {
  if (status === 404) return 'hidden';
  if (status === 403) return 'refused';
  if (status >= 300 && status < 400 && location?.startsWith('/sign-in')) {
    return expected === 'signedOut' ? 'signedOut' : 'refused';
  }
  if (status >= 500) return `status ${status}`;
  return 'reached';
}

describe('the route manifest', () => {
  it('has a permission case for every route', () => {
    expect(Object.keys(manifest).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [routeId, routeCase] of Object.entries(CASES)) {
    it(`${routeId}: each visitor gets what their role allows`, async () => {
      const seen: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const actor of ACTORS) {
        const session = sessions[actor];
        const url = `http://localhost${routeCase.url(ids)}`;
        const headers: Record<string, string> = session ? { cookie: session.cookie } : {};
        const module = modules[routeId]!;
        if (module.loader) {
          const answer = unwrap(
            await settle(() =>
              module.loader!({
                request: new Request(url, { headers }),
                params: routeCase.params(ids),
                context: {},
              }),
            ),
          );
          seen[`${actor} GET`] = loaderOutcome(answer.status, answer.headers.get('location'));
          expected[`${actor} GET`] = routeCase.loader[actor];
        }
        if (module.action && routeCase.action) {
          const body = new URLSearchParams(session ? { csrf: session.csrf } : {});
          const request = new Request(url, {
            method: 'POST',
            body,
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          });
          const answer = unwrap(
            await settle(() => module.action!({ request, params: routeCase.params(ids), context: {} })),
          );
          seen[`${actor} POST`] = actionOutcome(
            answer.status,
            answer.headers.get('location'),
            routeCase.action[actor],
          );
          expected[`${actor} POST`] = routeCase.action[actor];
        }
      }
      expect(seen).toEqual(expected);
    });
  }

  it('opens every loader and action with the route kit', () => {
    const outside = Object.entries(modules).flatMap(([id, module]) => [
      ...(module.loader && !usesRouteKit(module.loader) ? [`${id} loader`] : []),
      ...(module.action && !usesRouteKit(module.action) ? [`${id} action`] : []),
    ]);
    expect(outside).toEqual([]);
  });

  for (const [routeId, routeCase] of Object.entries(CASES)) {
    it(`${routeId}: its data requests answer as its page does, and never 500`, async () => {
      const seen: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const actor of ACTORS) {
        const session = sessions[actor];
        const headers: Record<string, string> = session ? { cookie: session.cookie } : {};
        const page = new URL(routeCase.url(ids), 'http://localhost');
        const data = new URL(page);
        // Single fetch: `/queue` → `/queue.data`, the root → `/_root.data`.
        data.pathname = page.pathname === '/' ? '/_root.data' : `${page.pathname}.data`;
        data.searchParams.set('_routes', routeId);
        const legacy = new URL(page);
        legacy.searchParams.set('_data', routeId);
        const pageAnswer = await app.fetch(`${page.pathname}${page.search}`, { headers, redirect: 'manual' });
        const dataAnswer = await app.fetch(`${data.pathname}${data.search}`, { headers, redirect: 'manual' });
        const legacyAnswer = await app.fetch(`${legacy.pathname}${legacy.search}`, {
          headers,
          redirect: 'manual',
        });
        seen[actor] =
          `page ${statusClass(pageAnswer)}, .data ${statusClass(dataAnswer)}, ?_data= ${legacyAnswer.status}`;
        expected[actor] = `page ${statusClass(pageAnswer)}, .data ${statusClass(pageAnswer)}, ?_data= 400`;
        await Promise.all([pageAnswer, dataAnswer, legacyAnswer].map((answer) => answer.body?.cancel()));
      }
      expect(seen).toEqual(expected);
    });
  }

  it('every route with an action has its action cases', () => {
    const missing = Object.entries(modules)
      .filter(([id, module]) => module.action && !CASES[id]?.action)
      .map(([id]) => id);
    expect(missing).toEqual([]);
  });
});
