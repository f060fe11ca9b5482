import path from 'node:path';
import { UNSAFE_flatRoutes as flatRoutes } from '@remix-run/dev';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { csrfTokenFor } from '../../app/utils/csrf.server';
import { completeSecurityHeaders } from '../../app/utils/security-headers.server';
import {
  clearSessionCookie,
  disableUser,
  sessionCookie,
  sessionCookieName,
} from '../../app/utils/session.server';
import { campaigns, capturedMail, imports } from '../../db/schema';
import { makeUser, sessionCookieFor, setCookies, TEST_PASSWORD } from '../support/auth-fixtures';
import { makePartner } from '../support/factories';
import { startRemixApp, type RemixApp } from '../support/remix-handler';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

/**
 * The headers every answer carries, over the whole app as a browser meets it (entry.server,
 * documents, data requests, downloads, errors), and the session cookie's attributes. What
 * auth-sessions, auth-sign-in and auth-csrf already prove of the route functions is not
 * repeated here; this file proves it over real HTTP answers and in production settings. The
 * production server's own pass over every answer (redirects, Remix's own errors, static files)
 * is proven on the running process in web-server.test.ts.
 */

let database: TestDatabase;
let app: RemixApp;
let manager: { cookie: string; csrf: string };
let rep: { cookie: string };
/** Address and expected status per visitor, for every resource route of the manifest. */
const resources: Record<string, { url: string; staff: number; partner: number; anonymous: number }> = {};
let mailId = 0;

const manifest = flatRoutes(path.resolve('app'));

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  app = await startRemixApp();
  const managerUser = await makeUser(database.db, { role: 'channel_manager' });
  const managerSession = await sessionCookieFor(database.db, managerUser.id);
  manager = { cookie: managerSession.cookie, csrf: managerSession.session.csrfToken };
  const partner = await makePartner(database.db);
  const repUser = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
  rep = { cookie: (await sessionCookieFor(database.db, repUser.id)).cookie };
  const [campaign] = await database.db
    .insert(campaigns)
    .values({ name: 'Header check', status: 'active' })
    .returning();
  const [upload] = await database.db
    .insert(imports)
    .values({
      kind: 'customers',
      fileName: 'customers.csv',
      file: Buffer.from('Company\nAcme\n'),
      rejectedCsv: 'Company,line,reason\r\nAcme,2,bad\r\n',
      createdByUserId: managerUser.id,
    })
    .returning();
  const [mail] = await database.db
    .insert(capturedMail)
    .values({
      mailFrom: 'baton@localhost',
      rcptTo: ['someone@example.com'],
      subject: 'Styled mail',
      textBody: 'Hello',
      htmlBody: '<p style="color:#123456">Hello</p>',
    })
    .returning();
  mailId = mail!.id;
  // Every resource route of the manifest, by route id; a new one without a case here fails below.
  const csv = { staff: 200, partner: 404, anonymous: 302 };
  resources['routes/campaigns.$campaignId.export[.csv]'] = {
    url: `/campaigns/${campaign!.id}/export.csv`,
    ...csv,
  };
  resources['routes/imports.$importId.rejected[.csv]'] = {
    url: `/imports/${upload!.id}/rejected.csv`,
    ...csv,
  };
  resources['routes/_index'] = { url: '/', staff: 302, partner: 302, anonymous: 302 };
  resources['routes/sign-out'] = { url: '/sign-out', staff: 302, partner: 302, anonymous: 302 };
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const get = (url: string, cookie?: string) => app.fetch(url, { headers: cookie ? { Cookie: cookie } : {} });

const COMMON = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cross-origin-opener-policy': 'same-origin',
};
const NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function expectCommonHeaders(response: Response, referrerPolicy = COMMON['referrer-policy']) {
  for (const [name, value] of Object.entries({ ...COMMON, 'referrer-policy': referrerPolicy })) {
    expect(response.headers.get(name), name).toBe(value);
  }
  // Plain-http test runs must never pin HTTPS for a year on localhost.
  expect(response.headers.get('strict-transport-security')).toBeNull();
}

/** The document policy's directives, by name. */
function directives(response: Response): Record<string, string[]> {
  const policy = response.headers.get('content-security-policy') ?? '';
  return Object.fromEntries(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectDocumentPolicy(response: Response): string {
  const policy = directives(response);
  const nonce = policy['script-src']?.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
  expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(policy).toEqual(
    expect.objectContaining({
      'default-src': ["'self'"],
      'script-src': ["'self'", `'nonce-${nonce}'`],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'object-src': ["'none'"],
    }),
  );
  // Nothing weakens scripts: no inline without the nonce, no eval, no other host.
  expect(Object.values(policy).flat().join(' ')).not.toMatch(/unsafe-eval|\*|https?:/);
  return nonce!;
}

/** Every <script> the page carries is one the policy lets run: it has this answer's nonce. */
function expectScriptsCarry(html: string, nonce: string) {
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
}

describe('a document', () => {
  it('carries the security headers and a policy whose nonce is on every inline script', async () => {
    const response = await get('/queue', manager.cookie);
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    const nonce = expectDocumentPolicy(response);
    const html = await response.text();
    expectScriptsCarry(html, nonce);
    // style-src 'self' without 'unsafe-inline': the pages use stylesheets, not style attributes.
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('gets a new nonce for every answer', async () => {
    const first = expectDocumentPolicy(await get('/sign-in'));
    const second = expectDocumentPolicy(await get('/sign-in'));
    expect(first).not.toBe(second);
  });

  it('an unknown address (404) carries them too, and its page no stack trace', async () => {
    const response = await get('/no-such-page/at-all', manager.cookie);
    expect(response.status).toBe(404);
    expectCommonHeaders(response);
    expectScriptsCarry(await response.text(), expectDocumentPolicy(response));
  });

  it('keeps no-referrer on a page whose address holds a secret or shows mail', async () => {
    const response = await get(`/dev/mail/${mailId}`, manager.cookie);
    expect(response.status).toBe(200);
    expectCommonHeaders(response, 'no-referrer');
    expectDocumentPolicy(response);
  });

  it('allows style attributes on the caught-mail page only, for the mail shown in its sandboxed frame', async () => {
    const mailPage = await get(`/dev/mail/${mailId}`, manager.cookie);
    expect(directives(mailPage)['style-src-attr']).toEqual(["'unsafe-inline'"]);
    expect(await mailPage.text()).toMatch(/<iframe[^>]*sandbox=""[^>]*srcDoc=|<iframe[^>]*sandbox=""/i);
    expect(directives(await get('/queue', manager.cookie))['style-src-attr']).toBeUndefined();
  });

  it('in production adds Strict-Transport-Security', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const response = await get('/sign-in');
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});

describe('a data request', () => {
  // The app runs Remix's single fetch (`/queue.data`); legacy `?_data=` requests are not part of
  // it and Remix itself fails on them when a loader returns data() (see the report).
  it('(single fetch, as the browser makes it) carries the headers and a policy that runs nothing', async () => {
    const response = await get('/queue.data', manager.cookie);
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    expect(response.headers.get('content-security-policy')).toBe(NOT_A_PAGE);
  });

  it('refused (a partner asking for a manager page) carries them too', async () => {
    const response = await get('/queue.data', rep.cookie);
    expect(response.status).toBe(404);
    expectCommonHeaders(response);
  });

  it("of an action (a form POST's data) carries them too", async () => {
    const response = await app.fetch('/sign-out.data', {
      method: 'POST',
      headers: { Cookie: rep.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'wrong' }),
    });
    expect(response.status).toBe(403);
    expectCommonHeaders(response);
  });
});

describe("the web server's last pass over an answer (completeSecurityHeaders)", () => {
  it("keeps a page's policy, nonce and all, and the stricter Referrer-Policy a page chose", async () => {
    const page = await get(`/dev/mail/${mailId}`, manager.cookie);
    const headers = new Headers(page.headers);
    completeSecurityHeaders(headers);
    expect(headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
    expect(headers.get('content-security-policy')).toMatch(/'nonce-[^']+'/);
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives an answer without headers all of them, with the policy that runs nothing', () => {
    const headers = new Headers({ Location: '/sign-in' });
    completeSecurityHeaders(headers);
    expectCommonHeaders(new Response(null, { status: 302, headers }));
    expect(headers.get('content-security-policy')).toBe(NOT_A_PAGE);
  });
});

describe('every download (resource route)', () => {
  const resourceRoutes = async () => {
    const ids: string[] = [];
    for (const route of Object.values(manifest)) {
      const module = (await app.load<Record<string, unknown>>(`/app/${route.file}`)) ?? {};
      if (!module.default && !module.ErrorBoundary) ids.push(route.id);
    }
    return ids.sort();
  };

  it('has a case in this test', async () => {
    expect(await resourceRoutes()).toEqual(Object.keys(resources).sort());
  });

  it('carries the headers for every visitor: the file, the refusal, the redirect', async () => {
    for (const [routeId, resource] of Object.entries(resources)) {
      const answers = {
        staff: await get(resource.url, manager.cookie),
        partner: await get(resource.url, rep.cookie),
        anonymous: await get(resource.url),
      };
      for (const [visitor, answer] of Object.entries(answers)) {
        const expected = resource[visitor as keyof typeof answers];
        expect(answer.status, `${routeId} ${visitor}`).toBe(expected);
        expectCommonHeaders(answer);
        expect(answer.headers.get('content-security-policy'), `${routeId} ${visitor}`).toBe(NOT_A_PAGE);
        if (expected === 200) expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
      }
    }
  });
});

describe('the session cookie', () => {
  it('is set on the sign-in answer HttpOnly, SameSite=Lax, Path=/, with a Max-Age, and no Domain', async () => {
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const page = await get('/sign-in');
    const csrfCookie = setCookies(page.headers).find((c) => c.name === 'baton_csrf')!;
    const token = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    expect(token).toBe(csrfCookie.value);
    const answer = await app.fetch('/sign-in', {
      method: 'POST',
      headers: {
        Cookie: `baton_csrf=${csrfCookie.value}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf: token!, email: user.email, password: TEST_PASSWORD }),
    });
    expect(answer.status).toBe(302);
    const cookie = setCookies(answer.headers).find((c) => c.name === 'baton_session')!;
    expect(cookie.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    // Twelve hours, the session's absolute end, less the moment the sign-in took.
    const maxAge = Number(cookie.attributes.find((a) => a.startsWith('max-age='))?.slice(8));
    expect(maxAge).toBeGreaterThan(12 * 3600 - 60);
    expect(maxAge).toBeLessThanOrEqual(12 * 3600);
    expect(cookie.attributes.some((a) => a.startsWith('domain='))).toBe(false);
  });

  it('in production is __Host-baton_session and Secure, and so is the cookie that clears it', () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(sessionCookieName()).toBe('__Host-baton_session');
      const now = new Date('2026-01-01T00:00:00Z');
      const set = sessionCookie('token', new Date(now.getTime() + 3_600_000), now);
      expect(set).toBe('__Host-baton_session=token; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure');
      // A clearing cookie without Secure, or under another name, would be ignored by the browser.
      expect(clearSessionCookie()).toBe(
        '__Host-baton_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
      );
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('in production the pre-session CSRF cookie is __Host- and Secure too', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const { setCookie } = await csrfTokenFor(new Request('https://baton.example/sign-in'), {
        db: database.db,
        clock: new ManualClock(),
      });
      expect(setCookie).toMatch(
        /^__Host-baton_csrf=[\w-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/,
      );
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});

describe('a session ends', () => {
  const signedInAs = async () => {
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    expect((await get('/queue', cookie)).status).toBe(200);
    return { user, cookie, csrf: session.csrfToken };
  };
  const expectAnonymous = async (cookie: string) => {
    const page = await get('/queue', cookie);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(/^\/sign-in/);
    const data = await get('/queue.data', cookie);
    expect(data.status).not.toBe(200);
    expect(await data.text()).not.toContain('"counts"');
    // The page header names nobody, and the stale cookie is cleared.
    const signIn = await get('/sign-in', cookie);
    expect(await signIn.text()).not.toContain('Sign out');
    expect(setCookies(signIn.headers)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'baton_session', value: '' })]),
    );
  };

  it('on sign-out over HTTP: the old cookie opens nothing any more', async () => {
    const { cookie, csrf } = await signedInAs();
    const answer = await app.fetch('/sign-out', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    expect(answer.status).toBe(302);
    expectCommonHeaders(answer);
    expect(setCookies(answer.headers)).toEqual([
      expect.objectContaining({
        name: 'baton_session',
        value: '',
        attributes: expect.arrayContaining(['max-age=0']),
      }),
    ]);
    await expectAnonymous(cookie);
  });

  it('when the user is disabled: the cookie they hold opens nothing any more', async () => {
    const { user, cookie } = await signedInAs();
    await disableUser(user.id, { db: database.db, clock: new ManualClock() });
    await expectAnonymous(cookie);
  });
});
