import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ROUTING_SETTINGS, WEIGHT_KEYS } from '../../app/domain/routing/settings';
import { sessions } from '../../db/schema';
import { makeUser, sessionCookieFor, TEST_PASSWORD } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { eventually } from '../support/worker-process';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import {
  call,
  startWebServer,
  stopWebServer,
  type Answer,
  type WebServer,
} from '../support/web-server-process';

/**
 * `npm start`'s server (app/server/main.ts) as a real process over the production build, against
 * a database of this file's own: the security headers on every kind of answer, the static files
 * and their caching, a form posted from another site, addresses that try to leave build/client,
 * and stopping with a request in flight.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const clientRoot = path.join(root, 'build', 'client');
const APP_SECRET = 'web-server-test-secret-for-email-links';
const EVIL = 'https://evil.example';

let database: TestDatabase;
let redisPrefix: string;
let server: WebServer;
let manager: { userId: number; cookie: string; csrf: string };

/** The server's own database and Redis prefix, and the production settings. */
const serverEnv = () => ({
  DATABASE_URL: database.url,
  REDIS_URL: inject('redisUrl'),
  REDIS_PREFIX: redisPrefix,
  APP_SECRET,
});

beforeAll(async () => {
  database = await createTestDatabase();
  redisPrefix = testRedisPrefix();
  const user = await makeUser(database.db, { role: 'channel_manager' });
  const { token, session } = await sessionCookieFor(database.db, user.id);
  // The server runs in production, where the session cookie is __Host- prefixed.
  manager = { userId: user.id, cookie: `__Host-baton_session=${token}`, csrf: session.csrfToken };
  server = await startWebServer(serverEnv());
});

afterAll(async () => {
  await stopWebServer(server);
  await database?.drop();
});

const get = (target: string, headers: Record<string, string> = {}) =>
  call(server.port, 'GET', target, headers);

/** A browser's form post: url-encoded, asking for a page. */
function postForm(target: string, fields: Record<string, string>, headers: Record<string, string>) {
  return call(
    server.port,
    'POST',
    target,
    {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'text/html,application/xhtml+xml',
      'Sec-Fetch-Dest': 'document',
      ...headers,
    },
    new URLSearchParams(fields).toString(),
  );
}

const ownOrigin = () => `http://127.0.0.1:${server.port}`;

const NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    'cross-origin-opener-policy': 'same-origin',
    // The server runs as production.
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  });
  expect(answer.headers['content-security-policy']).toBeTruthy();
}

/** The page's policy names a nonce, and every script of the page carries exactly that nonce. */
function expectPagePolicy(answer: Answer) {
  const policy = String(answer.headers['content-security-policy']);
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1];
  expect(nonce, policy).toBeDefined();
  const scripts = answer.text.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
}

function clientFiles(prefix: string, extension: string): string[] {
  return readdirSync(path.join(clientRoot, prefix)).filter((name) => name.endsWith(extension));
}

describe('the server', () => {
  it('prints where it listens, from HOST and PORT', () => {
    expect(server.log()).toMatch(new RegExp(`^listening on http://127\\.0\\.0\\.1:${server.port}$`, 'm'));
  });
});

describe('several server processes (WEB_PROCESSES)', () => {
  it('share the port, replace one that dies, and all stop on SIGTERM with exit 0', async () => {
    const several = await startWebServer({ ...serverEnv(), WEB_PROCESSES: '2' });
    try {
      await eventually(
        async () => (several.log().match(/^listening on /gm) ?? []).length === 2,
        30_000,
        'both servers to listen',
      );
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => call(several.port, 'GET', '/sign-in')),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);

      // The servers are the supervisor's children: kill one, and another takes its place.
      const children = execFileSync('pgrep', ['-P', String(several.child.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number);
      expect(children).toHaveLength(2);
      process.kill(children[0]!, 'SIGKILL');
      await eventually(
        async () => (several.log().match(/^listening on /gm) ?? []).length === 3,
        30_000,
        'a replacement server to listen',
      );
      expect(several.log()).toMatch(/exited \(SIGKILL\); starting another/);
      expect((await call(several.port, 'GET', '/sign-in')).status).toBe(200);

      several.child.kill('SIGTERM');
      expect(await several.exited).toBe(0);
    } finally {
      await stopWebServer(several);
    }
  });
});

describe('every answer carries the security headers', () => {
  it('a page, keeping the policy whose nonce its scripts carry', async () => {
    const answer = await get('/sign-in');
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer);
    expectPagePolicy(answer);
  });

  it('a signed-out visit redirected to sign in', async () => {
    const answer = await get('/queue');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/sign-in?redirectTo=%2Fqueue');
    expectSecurityHeaders(answer);
    expect(answer.headers['content-security-policy']).toBe(NOT_A_PAGE);
  });

  it('an unknown address: the 404 page, with its own nonce', async () => {
    const answer = await get('/no-such-page/anywhere', { Cookie: manager.cookie });
    expect(answer.status).toBe(404);
    expectSecurityHeaders(answer);
    expectPagePolicy(answer);
  });

  it('a data request (single fetch), signed in', async () => {
    const answer = await get('/queue.data', { Cookie: manager.cookie });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/x-script');
    expectSecurityHeaders(answer);
    expect(answer.headers['content-security-policy']).toBe(NOT_A_PAGE);
  });

  it("Remix's own answers that never reach entry.server (route discovery, HEAD)", async () => {
    const discovery = await get('/__manifest?version=stale&p=%2Fqueue');
    expect(discovery.status).toBe(204);
    expect(discovery.headers['x-remix-reload-document']).toBe('true');
    expectSecurityHeaders(discovery);
    expect(discovery.headers['content-security-policy']).toBe(NOT_A_PAGE);

    const head = await call(server.port, 'HEAD', '/sign-in');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expectSecurityHeaders(head);
    expect(head.headers['content-security-policy']).toMatch(/'nonce-/);
  });

  it('a request Node cannot parse, and one without a Host', async () => {
    const malformed = await rawExchange(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNot a header line\r\n\r\n`);
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
    expect(malformed).toContain('x-content-type-options: nosniff');
    expect(malformed).toContain(`content-security-policy: ${NOT_A_PAGE}`);

    const hostless = await rawExchange(`GET /sign-in HTTP/1.1\r\nConnection: close\r\n\r\n`);
    expect(hostless).toMatch(/^HTTP\/1\.1 400 /);
    expect(hostless).toContain('x-frame-options: DENY');
    expect(hostless).not.toContain('nonce-');
  });
});

/** Writes raw bytes on a new connection and returns everything the server answers until it closes. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

describe('the files of build/client', () => {
  it('serves a fingerprinted asset with its content type, its bytes and a cache of a year', async () => {
    const [stylesheet] = clientFiles('assets', '.css');
    const answer = await get(`/assets/${stylesheet}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.body.equals(readFileSync(path.join(clientRoot, 'assets', stylesheet!)))).toBe(true);
    expectSecurityHeaders(answer);
    expect(answer.headers['content-security-policy']).toBe(NOT_A_PAGE);
  });

  it('gzips a script for a browser that takes gzip, and answers HEAD and a revalidation without the body', async () => {
    const script = clientFiles('assets', '.js')
      .map((name) => ({ name, bytes: readFileSync(path.join(clientRoot, 'assets', name)) }))
      .sort((a, b) => b.bytes.length - a.bytes.length)[0]!;
    const zipped = await get(`/assets/${script.name}`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(script.bytes.length);
    expect(gunzipSync(zipped.body).equals(script.bytes)).toBe(true);

    const head = await call(server.port, 'HEAD', `/assets/${script.name}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(script.bytes.length));
    expect(head.body.length).toBe(0);

    const again = await get(`/assets/${script.name}`, { 'If-None-Match': String(zipped.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expectSecurityHeaders(again);
  });

  it('serves a file that keeps its name across builds (the favicon) with a short cache', async () => {
    const answer = await get('/favicon.svg');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/svg+xml');
    expect(answer.headers['cache-control']).toBe('public, max-age=3600');
    expect(answer.text).toBe(readFileSync(path.join(clientRoot, 'favicon.svg'), 'utf8'));
    expectSecurityHeaders(answer);
  });

  it('answers a missing asset with a plain 404, not a page', async () => {
    const answer = await get('/assets/no-such-file-0000.js');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expectSecurityHeaders(answer);
  });

  it('never serves a file from outside build/client, however the address is spelled', async () => {
    const outside = [
      readFileSync(path.join(root, 'package.json'), 'utf8').slice(0, 60),
      readFileSync(path.join(root, 'app', 'server', 'main.ts'), 'utf8').slice(0, 60),
      readFileSync(path.join(root, 'build', 'server', 'index.js'), 'utf8').slice(0, 60),
      'root:x:0:0',
    ];
    const attempts = [
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/%2E%2E/%2E%2E/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/..%2f..%2fpackage.json',
      '/assets/..\\..\\package.json',
      '/assets/..%5c..%5cpackage.json',
      '/../app/server/main.ts',
      '/%2e%2e/app/server/main.ts',
      '/../server/index.js',
      '/assets/../../server/index.js',
      '//etc/passwd',
      '/%2Fetc%2Fpasswd',
      '/assets/%2Fetc%2Fpasswd',
      '/etc/passwd',
      '/assets/%00../../package.json',
      '/assets/',
      '/assets',
    ];
    for (const attempt of attempts) {
      const answer = await get(attempt);
      expect([400, 404], attempt).toContain(answer.status);
      for (const content of outside) expect(answer.text, attempt).not.toContain(content);
      expectSecurityHeaders(answer);
    }
  });
});

describe('a form posted from another site', () => {
  const settingsForm = (windowHours: number) => ({
    csrf: manager.csrf,
    windowHours: String(windowHours),
    reminderOffsetsHours: DEFAULT_ROUTING_SETTINGS.reminderOffsetsHours.join(', '),
    roundLimit: String(DEFAULT_ROUTING_SETTINGS.roundLimit),
    ...Object.fromEntries(
      WEIGHT_KEYS.map((key) => [`weights.${key}`, String(DEFAULT_ROUTING_SETTINGS.weights[key])]),
    ),
  });

  it('is refused with 403 and a page that says so, changing nothing, though the same form from Baton saves', async () => {
    const before = await snapshot(database.db);
    const crossSite: Record<string, string>[] = [
      { Origin: EVIL },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1.evil.example:${server.port}` },
      // A browser that leaves Origin out still says where the request came from.
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const answer = await postForm('/settings/routing', settingsForm(36), {
        Cookie: manager.cookie,
        ...headers,
      });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.text).toContain('This form came from another site');
      expect(answer.text).toContain('Nothing was changed');
      expect(answer.text).not.toMatch(/<script/i);
      expectSecurityHeaders(answer);
    }
    expect(await snapshot(database.db)).toEqual(before);

    // The very same form from Baton's own page goes through, so the refusal above was the origin's.
    const own = await postForm('/settings/routing', settingsForm(36), {
      Cookie: manager.cookie,
      Origin: ownOrigin(),
    });
    expect(own.status).toBe(200);
    expect((await snapshot(database.db)).routing_settings).not.toBe(before.routing_settings);
  });

  it('cannot sign anyone out, and a data request (fetch) gets the refusal as plain text', async () => {
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const { token, session } = await sessionCookieFor(database.db, user.id);
    const cookie = `__Host-baton_session=${token}`;
    const sessionsOfUser = () => database.db.select().from(sessions).where(eq(sessions.userId, user.id));

    const page = await postForm('/sign-out', { csrf: session.csrfToken }, { Cookie: cookie, Origin: EVIL });
    expect(page.status).toBe(403);
    expect(page.text).toContain('This form came from another site');

    const data = await call(
      server.port,
      'POST',
      '/sign-out.data',
      { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie, Origin: EVIL },
      new URLSearchParams({ csrf: session.csrfToken }).toString(),
    );
    expect(data.status).toBe(403);
    expect(data.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(data.text).toBe('This request came from another site and was refused; nothing was changed.\n');
    expectSecurityHeaders(data);
    expect(await sessionsOfUser()).toHaveLength(1);

    const own = await postForm(
      '/sign-out',
      { csrf: session.csrfToken },
      { Cookie: cookie, Origin: ownOrigin() },
    );
    expect(own.status).toBe(302);
    expect(await sessionsOfUser()).toHaveLength(0);
  });

  it('cannot sign anyone in: the sign-in form with the right password and token, posted from elsewhere', async () => {
    const user = await makeUser(database.db, { role: 'channel_manager' });
    const page = await get('/sign-in');
    const csrfCookie = [page.headers['set-cookie'] ?? []]
      .flat()
      .find((c) => c.startsWith('__Host-baton_csrf='));
    const token = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(csrfCookie).toBeDefined();
    const fields = { csrf: token!, email: user.email, password: TEST_PASSWORD };
    const headers = { Cookie: csrfCookie!.split(';')[0]! };

    const refused = await postForm('/sign-in', fields, { ...headers, Origin: EVIL });
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);

    // Without Origin or Sec-Fetch-Site (curl, an old browser) it reaches the action and its own checks.
    const own = await postForm('/sign-in', fields, headers);
    expect(own.status).toBe(302);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1);
  });

  it('a same-origin form still meets the action’s own CSRF check', async () => {
    const answer = await postForm(
      '/settings/routing',
      { ...settingsForm(30), csrf: 'not-the-token' },
      { Cookie: manager.cookie, Origin: ownOrigin() },
    );
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('did not come from a Baton page');
  });
});

describe('stopping (SIGTERM)', () => {
  /**
   * Holds an exclusive lock on `sessions`, so that any signed-in request of the server waits in
   * its first query, until `release()`: a request in flight for as long as the test wants.
   */
  async function lockSessions() {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const transaction = database.client.begin(async (sql) => {
      await sql`LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE`;
      locked();
      await released;
    });
    await isLocked;
    return { release: async () => (release(), await transaction) };
  }

  /** Resolves once the server has a query waiting for the lock, i.e. the request is in flight. */
  const waitingForLock = () =>
    eventually(
      async () => {
        const rows = await database.client<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = ${database.name} AND wait_event_type = 'Lock'`;
        return rows[0]!.waiting > 0;
      },
      10_000,
      'the request to wait for the lock',
    );

  const refusesConnections = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });

  /**
   * A session last seen five minutes ago: the request that reads it also writes last_seen_at,
   * through the same pool handle, after the lock is released. Closing the pool at the signal
   * (rather than after the drain) would fail that write and the page with it.
   */
  async function staleSession() {
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    const { token, session } = await sessionCookieFor(database.db, manager.userId, {
      now: () => fiveMinutesAgo,
    });
    return { cookie: `__Host-baton_session=${token}`, id: session.id };
  }

  it('lets a request in flight finish, accepts no new connection meanwhile, then exits 0', async () => {
    const web = await startWebServer(serverEnv());
    const session = await staleSession();
    const lock = await lockSessions();
    let answer: Promise<Answer> | undefined;
    try {
      answer = call(web.port, 'GET', '/settings/routing', { Cookie: session.cookie });
      answer.catch(() => {});
      await waitingForLock();
      web.child.kill('SIGTERM');
      await eventually(
        async () => web.log().includes('SIGTERM: stopping; 1 requests in flight'),
        5000,
        'SIGTERM',
      );
      expect(await refusesConnections(web.port)).toBe(true);
      expect(web.child.exitCode).toBeNull();
    } finally {
      await lock.release();
    }
    const page = await answer!;
    expect(page.status, web.log()).toBe(200);
    expect(page.text).toContain('<h1>Routing settings</h1>');
    // The whole page: the document and the loader data streamed after it.
    expect(page.text).toContain('</html>');
    expect(page.text).toContain('streamController.close()');
    const [touched] = await database.db.select().from(sessions).where(eq(sessions.id, session.id));
    expect(Date.now() - touched!.lastSeenAt.getTime()).toBeLessThan(60_000);
    expect(await web.exited).toBe(0);
    expect(web.log()).toMatch(/stopped\s*$/);
    expect(web.log()).not.toContain('cut off');
  });

  it('does not wait for ever: a request that never finishes is cut off after the grace period', async () => {
    const web = await startWebServer(serverEnv());
    const lock = await lockSessions();
    try {
      const answer = call(web.port, 'GET', '/settings/routing', { Cookie: manager.cookie });
      answer.catch(() => {});
      await waitingForLock();
      const signalledAt = Date.now();
      web.child.kill('SIGTERM');
      expect(await web.exited).toBe(0);
      const stoppedAfterMs = Date.now() - signalledAt;
      // The grace is 5 s; closing the pool afterwards waits at most 2 s more.
      expect(stoppedAfterMs).toBeGreaterThanOrEqual(4_900);
      expect(stoppedAfterMs).toBeLessThan(10_000);
      await expect(answer).rejects.toThrow();
      expect(web.log()).toContain('1 requests still running after 5000 ms were cut off');
    } finally {
      await lock.release();
    }
  });
});
