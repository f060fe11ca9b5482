import path from 'node:path';
import { UNSAFE_flatRoutes as flatRoutes } from '@remix-run/dev';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import { signEmailAction } from '../../app/domain/notifications/signed-tokens';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import { contacts, notifications, offers } from '../../db/schema';
import { renderEmail } from '../../emails/render';
import { makeUser, sessionCookieFor } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { startRemixApp, type RemixApp } from '../support/remix-handler';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * A customer's identity stays hidden from a partner until it accepts a lead: every page and
 * every data request of the manifest a partner user can make, with its own ids and the other
 * partner's, as a document and as single-fetch data, carries none of it. The partner that
 * accepted sees it (the control that the strings would be found), and no email to the partner
 * that has not accepted carries it either.
 */

const IDENTITY = {
  name: 'Quillfeather Okonkwo Holdings',
  domain: 'quillfeather-okonkwo.example',
  contactName: 'Zebulon Marchetti-Vask',
  contactEmail: 'zebulon.vask@quillfeather-okonkwo.example',
  contactPhone: '+46 70 918 273 645',
  secondContact: 'Ingrid Halvorsen-Pike',
};

let database: TestDatabase;
let app: RemixApp;
const manifest = flatRoutes(path.resolve('app'));
const scene = {
  pendingOfferId: 0,
  declinedOfferId: 0,
  otherOfferId: 0,
  pendingLeadId: 0,
  acceptedLeadId: 0,
  customerId: 0,
  ownPartnerId: 0,
  otherPartnerId: 0,
  declineToken: '',
  repId: 0,
  adminId: 0,
};
const cookies = { rep: '', admin: '', otherRep: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  app = await startRemixApp();
  const clock = new ManualClock(new Date());
  const deps: LoopDeps = { db: database.db, clock, timers: new RecordingTimers() };
  // A ranks first (platinum), B second: A is offered both leads, declines one, B takes it.
  const partnerA = await makePartner(database.db, { tier: 'platinum', countries: ['SE'] });
  const partnerB = await makePartner(database.db, { tier: 'registered', countries: ['SE'] });
  const customer = await makeCustomer(database.db, {
    country: 'SE',
    name: IDENTITY.name,
    domain: IDENTITY.domain,
  });
  await database.db.insert(contacts).values([
    {
      customerId: customer.id,
      name: IDENTITY.contactName,
      email: IDENTITY.contactEmail,
      phone: IDENTITY.contactPhone,
    },
    { customerId: customer.id, name: IDENTITY.secondContact },
  ]);
  const pending = await submitOpportunity(deps, opportunityInput(customer.id));
  const passedOn = await submitOpportunity(deps, opportunityInput(customer.id));
  if (pending.routing.kind !== 'offered' || passedOn.routing.kind !== 'offered')
    throw new Error('expected offers');
  const offerOf = async (id: number) =>
    (await database.db.select().from(offers).where(eq(offers.id, id)))[0]!;
  expect((await offerOf(pending.routing.timer.offerId)).partnerId).toBe(partnerA.id);
  expect((await offerOf(passedOn.routing.timer.offerId)).partnerId).toBe(partnerA.id);
  const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partnerA.id });
  const admin = await makeUser(database.db, { role: 'partner_admin', partnerId: partnerA.id });
  const otherRep = await makeUser(database.db, { role: 'partner_rep', partnerId: partnerB.id });
  const declined = await declineAndReroute(deps, {
    offerId: passedOn.routing.timer.offerId,
    userId: rep.id,
    reason: 'no_capacity',
  });
  if (declined.next.kind !== 'offered') throw new Error('expected the lead to reach B');
  expect((await offerOf(declined.next.timer.offerId)).partnerId).toBe(partnerB.id);
  await accept(deps, { offerId: declined.next.timer.offerId, userId: otherRep.id });

  const secret = (await import('../../app/utils/env.server')).env().APP_SECRET;
  const offer = await offerOf(pending.routing.timer.offerId);
  Object.assign(scene, {
    pendingOfferId: offer.id,
    declinedOfferId: passedOn.routing.timer.offerId,
    otherOfferId: declined.next.timer.offerId,
    pendingLeadId: pending.opportunityId,
    acceptedLeadId: passedOn.opportunityId,
    customerId: customer.id,
    ownPartnerId: partnerA.id,
    otherPartnerId: partnerB.id,
    repId: rep.id,
    adminId: admin.id,
    declineToken: signEmailAction(secret, {
      offerId: offer.id,
      action: 'decline',
      userId: rep.id,
      expiresAtMs: offer.expiresAt.getTime(),
    }),
  });
  cookies.rep = (await sessionCookieFor(database.db, rep.id)).cookie;
  cookies.admin = (await sessionCookieFor(database.db, admin.id)).cookie;
  cookies.otherRep = (await sessionCookieFor(database.db, otherRep.id)).cookie;
});
afterAll(async () => {
  await (await import('../../app/utils/loop.server')).closeLoop?.();
  await app?.close();
  await database?.drop();
});

/** Every value a partner may put in each dynamic segment: its own records and B's. */
function valuesOf(name: string): string[] {
  const all = {
    offerId: [scene.pendingOfferId, scene.declinedOfferId, scene.otherOfferId],
    opportunityId: [scene.pendingLeadId, scene.acceptedLeadId],
    partnerId: [scene.ownPartnerId, scene.otherPartnerId],
    customerId: [scene.customerId],
    campaignId: [1],
    importId: [1],
    mailId: [1],
  } as Record<string, number[]>;
  if (name === 'token') return [scene.declineToken];
  if (!all[name]) throw new Error(`no ids for :${name} — add them to valuesOf`);
  return all[name]!.map(String);
}

/** Every address of a route, one per combination of the ids it takes. */
function addressesOf(routeId: string): string[] {
  const parts: string[] = [];
  for (let route = manifest[routeId]; route; route = route.parentId ? manifest[route.parentId] : undefined) {
    if (route.path) parts.unshift(route.path);
  }
  let addresses = [''];
  for (const segment of parts.join('/').split('/')) {
    const choices = segment.startsWith(':') ? valuesOf(segment.slice(1)).map(encodeURIComponent) : [segment];
    addresses = addresses.flatMap((prefix) => choices.map((choice) => `${prefix}/${choice}`));
  }
  return addresses.map((a) => a.replace(/\/+/g, '/') || '/');
}

/**
 * A search for the customer by its name or domain must not find it either. The page may echo
 * what was typed (the search box): the searched value itself is not looked for in that answer.
 */
const SEARCHES: [string, keyof typeof IDENTITY | null][] = [
  ['', null],
  [`?q=${encodeURIComponent(IDENTITY.name)}`, 'name'],
  [`?q=${encodeURIComponent(IDENTITY.domain)}`, 'domain'],
];

function leaks(body: string, echoed: keyof typeof IDENTITY | null = null): string[] {
  const lower = body.toLowerCase();
  const found = Object.entries(IDENTITY).filter(
    ([key, value]) => key !== echoed && lower.includes(value.toLowerCase()),
  );
  // Emails and JSON may escape a '+' or a space; the phone's digits alone are distinctive enough.
  if (lower.includes('918273645') || lower.includes('918 273 645')) found.push(['phone digits', '']);
  return found.map(([key]) => key);
}

describe("a partner that has not accepted the customer's lead", () => {
  it('finds the identity nowhere: every page and data request, with its own ids and the other partner’s', async () => {
    const found: string[] = [];
    let requests = 0;
    for (const route of Object.values(manifest)) {
      const module = await app.load<{ loader?: unknown }>(`/app/${route.file}`);
      if (!module.loader) continue;
      for (const address of addressesOf(route.id)) {
        for (const [query, echoed] of SEARCHES) {
          for (const [who, cookie] of [
            ['rep', cookies.rep],
            ['admin', cookies.admin],
          ] as const) {
            const dataAddress = `${address === '/' ? '/_root' : address}.data${query}`;
            for (const url of [`${address}${query}`, dataAddress]) {
              const response = await app.fetch(url, { headers: { Cookie: cookie } });
              requests++;
              expect(response.status, `${who} ${url}`).toBeLessThan(500);
              const hits = leaks(await response.text(), echoed);
              if (hits.length > 0) found.push(`${who} ${url} (${response.status}): ${hits.join(', ')}`);
            }
          }
        }
      }
    }
    expect(found).toEqual([]);
    expect(requests).toBeGreaterThan(200);
  });

  it("answers B's records with 404", async () => {
    for (const url of [`/inbox/${scene.otherOfferId}`, `/leads/${scene.acceptedLeadId}`]) {
      expect((await app.fetch(url, { headers: { Cookie: cookies.rep } })).status, url).toBe(404);
    }
  });

  it('finds it in none of the emails fanned out to its users', async () => {
    await fanOutPending(database.db);
    const rows = await database.db
      .select()
      .from(notifications)
      .where(inArray(notifications.userId, [scene.repId, scene.adminId]));
    expect(rows.length).toBeGreaterThan(0);
    const found: string[] = [];
    let rendered = 0;
    for (const row of rows) {
      const composed = await composeNotificationEmail(database.db, row.id, {
        publicUrl: 'https://partners.example.com',
        secret: 'a-test-secret-of-at-least-32-characters!',
        now: new Date(),
      });
      if (composed.kind !== 'message') continue;
      const email = renderEmail(composed.message);
      rendered++;
      const hits = leaks(`${email.subject}\n${email.text}\n${email.html}`);
      if (hits.length > 0) found.push(`${row.kind} to user ${row.userId}: ${hits.join(', ')}`);
    }
    expect(rendered).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});

describe('the partner that accepted (the control)', () => {
  it('sees the name, domain and contacts on its lead, page and data alike', async () => {
    for (const url of [`/leads/${scene.acceptedLeadId}`, `/leads/${scene.acceptedLeadId}.data`]) {
      const response = await app.fetch(url, { headers: { Cookie: cookies.otherRep } });
      expect(response.status, url).toBe(200);
      const body = await response.text();
      for (const value of [IDENTITY.name, IDENTITY.domain, IDENTITY.contactName, IDENTITY.contactEmail]) {
        expect(body, `${url} ${value}`).toContain(value);
      }
    }
  });
});
