import path from 'node:path';
import { UNSAFE_flatRoutes as flatRoutes } from '@remix-run/dev';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import type { USER_ROLES } from '../../db/schema';
import { makeUser, sessionCookieFor } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { startRemixApp, type RemixApp } from '../support/remix-handler';
import { recordsForEveryRoute } from '../support/route-records';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * Every action of every route in Remix's manifest, posted hostile bodies by a visitor who may
 * reach it, over the whole app (entry.server, the action, the re-rendered page). The fields
 * posted are the ones the route's own page renders in its forms (every intent button
 * included), so a form or a route added later is covered without a change here; a route whose
 * address needs an id this file does not know fails the suite.
 */

type Visitor = 'anonymous' | 'rep' | 'partnerAdmin' | 'manager' | 'coordinator' | 'admin' | 'leaver';
/** Who may reach each action, tried in this order: the first one the route lets in is used. */
const VISITORS: Visitor[] = ['rep', 'partnerAdmin', 'manager', 'coordinator', 'admin', 'anonymous'];
/** Signing out ends the session it is posted with: sign-out gets a fresh one of its own each time. */
const SIGN_OUT = 'routes/sign-out';
let leaverId = 0;

interface Ids {
  offerId: number;
  leadId: number;
  partnerId: number;
  customerId: number;
  campaignId: number;
  importId: number;
  registrationId: number;
  mailId: number;
  declineToken: string;
  resetToken: string;
  signInLinkToken: string;
  campaignAnswerToken: string;
}

/** The value of each dynamic segment, by route where the name alone is ambiguous. */
function paramValue(routeId: string, name: string, ids: Ids): string | undefined {
  if (name === 'token') {
    if (routeId.includes('email-action')) return ids.declineToken;
    if (routeId.includes('reset-password')) return ids.resetToken;
    if (routeId.includes('sign-in-link')) return ids.signInLinkToken;
    if (routeId.includes('campaign-answer')) return ids.campaignAnswerToken;
    return undefined;
  }
  if (name === 'opportunityId') {
    return String(routeId.includes('registrations') ? ids.registrationId : ids.leadId);
  }
  const byName: Record<string, number> = {
    offerId: ids.offerId,
    partnerId: ids.partnerId,
    customerId: ids.customerId,
    campaignId: ids.campaignId,
    importId: ids.importId,
    mailId: ids.mailId,
  };
  return byName[name] === undefined ? undefined : String(byName[name]);
}

const HUGE = `'; DROP TABLE offers; -- <script>alert(1)</script> `.repeat(2200).slice(0, 100_000);
/** A hostile body: each field's value(s), given the fields the page renders. */
type Shape = (fields: string[]) => [string, string][];
const every =
  (value: string): Shape =>
  (fields) =>
    fields.map((f) => [f, value]);
/**
 * Bodies no route may accept, whatever it is: every field the page renders, the intent button
 * included, gets the value, so nothing valid remains and nothing may change.
 */
const REFUSED: Record<string, Shape> = {
  '100 KB strings': every(HUGE),
  'NUL and control characters': every('a\u0000b\u0007\u001b[31m'),
  'arrays (repeated keys)': (fields) => fields.flatMap((f) => [[f, ''] as [string, string], [f, '1']]),
  'unknown fields only': () => [
    ['__proto__', 'x'],
    ['constructor[prototype]', 'x'],
    ['isAdmin', 'true'],
    ['partnerId', '1'],
  ],
  'missing fields': () => [],
};
/**
 * Bodies that are hostile but may still be valid text where every field is free text (a password
 * may well be "'; DROP TABLE offers; --"). Refused, they must change nothing; accepted, they must
 * answer without a 5xx and be stored as the very text sent, never executed.
 */
const MAY_BE_TEXT: Record<string, Shape> = {
  'SQL metacharacters': every("'; DROP TABLE offers; --"),
  'SQL tautology': every('1 OR 1=1'),
  'script tag': every('<script>alert(1)</script>'),
  'attribute breakout': every('"><img src=x onerror=alert(1)>'),
  'lone surrogate': every('\uD800x'),
  'numbers where text is expected': every('-1e309'),
  'text where numbers are expected': every('NaN'),
};
/**
 * Bodies that keep the page's intent but make every other field hostile. A route may accept one
 * (an intent that needs no field, such as accepting an offer, ignores the rest): then it must
 * answer without a 5xx or a stack trace and store nothing but what was sent.
 */
const WITH_INTENT: Record<string, (value: string) => string> = {
  '100 KB strings': () => HUGE,
  'NUL and control characters': () => 'a\u0000b',
  'arrays (repeated keys)': () => '',
};

let database: TestDatabase;
let app: RemixApp;
let ids: Ids;
const sessions = {} as Record<Visitor, { cookie: string; csrf: string }>;
const manifest = flatRoutes(path.resolve('app'));
/**
 * Tables a refused request may touch: the session's last_seen_at, the failed sign-in count, and
 * the log of partner users' looks at contacts, which the re-rendered page writes.
 */
const MAY_CHANGE = new Set(['sessions', 'sign_in_attempts', 'contact_views', '__drizzle_migrations']);

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  app = await startRemixApp();
  ids = await buildScene();
});
afterAll(async () => {
  await (await import('../../app/utils/loop.server')).closeLoop?.();
  await app?.close();
  await database?.drop();
});

async function buildScene(): Promise<Ids> {
  const clock = new ManualClock(new Date());
  const deps: LoopDeps = { db: database.db, clock, timers: new RecordingTimers() };
  const own = await makePartner(database.db, { tier: 'platinum', countries: ['SE'] });
  const customer = await makeCustomer(database.db, { country: 'SE' });
  const pending = await submitOpportunity(deps, opportunityInput(customer.id));
  const taken = await submitOpportunity(deps, opportunityInput(customer.id));
  if (pending.routing.kind !== 'offered' || taken.routing.kind !== 'offered')
    throw new Error('expected offers');
  await accept(deps, { offerId: taken.routing.timer.offerId, userId: null });
  const userIds = {} as Record<Visitor, number>;
  const roles: Record<Exclude<Visitor, 'anonymous' | 'leaver'>, (typeof USER_ROLES)[number]> = {
    rep: 'partner_rep',
    partnerAdmin: 'partner_admin',
    manager: 'channel_manager',
    coordinator: 'campaign_coordinator',
    admin: 'admin',
  };
  for (const [visitor, role] of Object.entries(roles) as [
    Exclude<Visitor, 'anonymous' | 'leaver'>,
    string,
  ][]) {
    const partnerId = role.startsWith('partner') ? own.id : null;
    const user = await makeUser(database.db, { role: role as (typeof USER_ROLES)[number], partnerId });
    userIds[visitor] = user.id;
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    sessions[visitor] = { cookie, csrf: session.csrfToken };
  }
  leaverId = (await makeUser(database.db, { role: 'channel_manager' })).id;
  sessions.leaver = { cookie: '', csrf: '' };
  // Before sign-in the double-submit cookie stands in for the session.
  sessions.anonymous = { cookie: 'baton_csrf=pre-session-token', csrf: 'pre-session-token' };

  const secret = (await import('../../app/utils/env.server')).env().APP_SECRET;
  const offerId = pending.routing.timer.offerId;
  const records = await recordsForEveryRoute(database.db, {
    clock,
    secret,
    ownPartnerId: own.id,
    repId: userIds.rep,
    adminId: userIds.partnerAdmin,
    offerId,
  });
  return { ...records, offerId, leadId: taken.opportunityId, partnerId: own.id, mailId: 0 };
}

/** A digest of every row of every table but those a refused request may touch. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await database.db.execute<{ tablename: string }>(
    sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const result: Record<string, string> = {};
  for (const { tablename } of tables) {
    if (MAY_CHANGE.has(tablename)) continue;
    const [row] = await database.db.execute<{ digest: string }>(
      sql.raw(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${tablename}" t`,
      ),
    );
    result[tablename] = row!.digest;
  }
  return result;
}

function urlOf(routeId: string, routePath: string): string {
  const segments = routePath.split('/').map((segment) => {
    if (!segment.startsWith(':')) return segment;
    const value = paramValue(routeId, segment.slice(1), ids);
    if (value === undefined)
      throw new Error(`${routeId}: no id for :${segment.slice(1)} — add it to paramValue`);
    return encodeURIComponent(value);
  });
  return `/${segments.join('/')}`.replace(/\/+/g, '/');
}

/** The full path of a route of the manifest, from its parents' paths. */
function fullPath(routeId: string): string {
  const parts: string[] = [];
  for (let route = manifest[routeId]; route; route = route.parentId ? manifest[route.parentId] : undefined) {
    if (route.path) parts.unshift(route.path);
  }
  return parts.join('/');
}

async function post(
  url: string,
  visitor: Visitor,
  body: [string, string][],
  headers: Record<string, string> = {},
) {
  if (visitor === 'leaver') {
    const fresh = await sessionCookieFor(database.db, leaverId);
    const stale = sessions.leaver.csrf;
    sessions.leaver = { cookie: fresh.cookie, csrf: fresh.session.csrfToken };
    body = body.map(([k, v]) => [k, k === 'csrf' && v === stale ? fresh.session.csrfToken : v]);
  }
  return app.fetch(url, {
    method: 'POST',
    headers: {
      Cookie: sessions[visitor].cookie,
      'Content-Type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(body),
  });
}

/** Reached: past permission and CSRF (not 403, 404, or sent to sign in). */
const reached = (response: Response) =>
  response.status !== 403 &&
  response.status !== 404 &&
  !(
    response.status >= 300 &&
    response.status < 400 &&
    response.headers.get('location')?.startsWith('/sign-in')
  );

/** The names of the fields the page's POST forms render (csrf aside), and its intent values. */
function formFields(html: string): { fields: string[]; intents: string[] } {
  const fields = new Set<string>();
  const intents = new Set<string>();
  for (const form of html.match(/<form\b[^>]*method="post"[\s\S]*?<\/form>/gi) ?? []) {
    for (const tag of form.match(/<(input|select|textarea|button)\b[^>]*>/gi) ?? []) {
      const name = /\sname="([^"]+)"/.exec(tag)?.[1];
      if (!name || name === 'csrf') continue;
      if (name === 'intent') {
        const value = /\svalue="([^"]*)"/.exec(tag)?.[1];
        if (value) intents.add(value);
      }
      fields.add(name);
    }
  }
  return { fields: [...fields].sort(), intents: [...intents].sort() };
}

const STACK_TRACE =
  /\bat .+\(.+:\d+:\d+\)|node_modules|\.server\.ts|TypeError|ReferenceError|PostgresError|ZodError/;

/** What a route answered to hostile input, checked. */
async function expectSafeAnswer(label: string, response: Response) {
  const body = await response.text();
  expect(response.status, `${label}: status`).toBeLessThan(500);
  // Remix's own <script>s and module preloads name source files; the page's text must not.
  const text = body.replace(/<script\b[\s\S]*?<\/script>|<link\b[^>]*>/g, '');
  expect(
    STACK_TRACE.exec(text)?.[0],
    `${label}: a stack trace or internal error in the body`,
  ).toBeUndefined();
  return body;
}

interface ActionRoute {
  id: string;
  url: string;
  visitor: Visitor;
  fields: string[];
  intents: string[];
}
const actionRoutes: ActionRoute[] = [];

describe('hostile input to every action', () => {
  it('finds every action of the manifest and a visitor who may reach it', async () => {
    for (const route of Object.values(manifest)) {
      const module = await app.load<{ action?: unknown; default?: unknown }>(`/app/${route.file}`);
      if (!module.action) continue;
      const url = urlOf(route.id, fullPath(route.id));
      let found: ActionRoute | undefined;
      if (route.id === SIGN_OUT) {
        actionRoutes.push({ id: route.id, url, visitor: 'leaver', fields: [], intents: [] });
        continue;
      }
      for (const visitor of VISITORS) {
        const before = await snapshot();
        const probe = await post(url, visitor, [['csrf', sessions[visitor].csrf]]);
        expect(await snapshot(), `${route.id}: an empty POST changed the database`).toEqual(before);
        if (!reached(probe)) continue;
        const page = module.default
          ? await app.fetch(url, { headers: { Cookie: sessions[visitor].cookie } })
          : undefined;
        const { fields, intents } = formFields(page ? await page.text() : '');
        found = { id: route.id, url, visitor, fields, intents };
        break;
      }
      expect(found, `${route.id}: no visitor reaches its action`).toBeDefined();
      actionRoutes.push(found!);
    }
    expect(actionRoutes.length).toBeGreaterThan(20);
  });

  it('refuses every hostile body: no 5xx, no stack trace, the database unchanged', async () => {
    const accepted: string[] = [];
    const acceptedAsText: string[] = [];
    for (const route of actionRoutes) {
      for (const [kind, shape] of [...Object.entries(REFUSED), ...Object.entries(MAY_BE_TEXT)]) {
        const label = `${route.id} as ${route.visitor}, ${kind}`;
        const before = await snapshot();
        const response = await post(route.url, route.visitor, [
          ['csrf', sessions[route.visitor].csrf],
          ...shape(route.fields.length > 0 ? route.fields : ['name', 'value']),
        ]);
        await expectSafeAnswer(label, response);
        const after = await snapshot();
        const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
        if (changed.length === 0) continue;
        const line = `${label}: changed ${changed.join(', ')} (${response.status})`;
        if (kind in REFUSED || response.status >= 400) accepted.push(line);
        else acceptedAsText.push(line);
      }
    }
    expect(accepted).toEqual([]);
    // Which forms took hostile text as valid text (stored verbatim; pages escape it on output).
    console.info(`accepted as plain text:\n${acceptedAsText.join('\n')}`);
  });

  it('keeps each intent but makes its fields hostile: no 5xx, no stack trace, nothing changed on a refusal', async () => {
    const problems: string[] = [];
    for (const route of actionRoutes) {
      for (const intent of route.intents) {
        for (const [kind, value] of Object.entries(WITH_INTENT)) {
          const label = `${route.id} as ${route.visitor}, intent ${intent}, ${kind}`;
          const others = route.fields.filter((f) => f !== 'intent');
          const before = await snapshot();
          const body: [string, string][] = [
            ['csrf', sessions[route.visitor].csrf],
            ['intent', intent],
            ...others.flatMap((f): [string, string][] =>
              kind.startsWith('arrays')
                ? [
                    [f, value('')],
                    [f, 'x'],
                  ]
                : [[f, value('')]],
            ),
          ];
          const response = await post(route.url, route.visitor, body);
          await expectSafeAnswer(label, response);
          const after = await snapshot();
          const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
          if (changed.length > 0 && response.status >= 400) {
            problems.push(`${label}: refused with ${response.status} yet changed ${changed.join(', ')}`);
          }
          for (const table of kind.startsWith('100 KB') ? changed : []) {
            const [stored] = await database.db.execute<{ hit: boolean }>(
              sql.raw(`SELECT EXISTS (SELECT 1 FROM "${table}" t WHERE length(t::text) > 50000) AS hit`),
            );
            if (stored?.hit) problems.push(`${label}: stored a 100 KB value in ${table}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('cross-site request forgery, on every action', () => {
  it('is refused with 403 and changes nothing: no token, a wrong token, another site’s Origin', async () => {
    const seen: Record<string, number[]> = {};
    for (const route of actionRoutes) {
      const { visitor, url } = route;
      const fields: [string, string][] = route.intents[0] ? [['intent', route.intents[0]]] : [];
      const before = await snapshot();
      const foreign = { Origin: 'https://evil.example' };
      const answers = [
        await post(url, visitor, fields),
        await post(url, visitor, [['csrf', 'not-the-token'], ...fields]),
        // A Remix <Form> posts to the route's .data address; with the right token, from another site.
        await post(
          `${url.replace(/\/$/, '')}.data`,
          visitor,
          [['csrf', sessions[visitor].csrf], ...fields],
          foreign,
        ),
      ];
      seen[route.id] = answers.map((a) => a.status);
      // The same as a plain HTML form post: Remix itself refuses it before any action runs, but
      // with a bare 500 that no app code can change (see the report); nothing is shown or changed.
      const documentPost = await post(url, visitor, [['csrf', sessions[visitor].csrf], ...fields], foreign);
      expect([403, 500], route.id).toContain(documentPost.status);
      if (documentPost.status === 500) expect(await documentPost.text(), route.id).toBe('');
      expect(await snapshot(), `${route.id}: a forged POST changed the database`).toEqual(before);
    }
    expect(seen).toEqual(Object.fromEntries(actionRoutes.map((r) => [r.id, [403, 403, 403]])));
  });
});
