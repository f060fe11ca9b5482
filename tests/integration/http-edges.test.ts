import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FORM_BODY_LIMIT } from '../../app/server/request-body';
import { MAX_IMPORT_BYTES } from '../../app/domain/imports/import-limits';
import { makeUser, sessionCookieFor, TEST_PASSWORD } from '../support/auth-fixtures';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import {
  call,
  startWebServer,
  stopWebServer,
  type Answer,
  type WebServer,
} from '../support/web-server-process';

/**
 * Hostile requests at the edges of the production server (`npm start` over the production
 * build): redirect targets, bodies that are not forms, Remix's legacy data requests, and bodies
 * larger than their route takes. Each is answered 4xx with a sentence, never a 500, and the
 * server logs no stack trace for any of them.
 */

let database: TestDatabase;
let server: WebServer;
let manager: { email: string; cookie: string; csrf: string };

beforeAll(async () => {
  database = await createTestDatabase();
  const user = await makeUser(database.db, { role: 'channel_manager' });
  const { token, session } = await sessionCookieFor(database.db, user.id);
  manager = { email: user.email, cookie: `__Host-baton_session=${token}`, csrf: session.csrfToken };
  server = await startWebServer({
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: testRedisPrefix(),
    APP_SECRET: 'http-edges-test-secret-for-email-links',
  });
});

afterAll(async () => {
  await stopWebServer(server);
  await database?.drop();
});

const PAGE = { Accept: 'text/html', 'Sec-Fetch-Dest': 'document' };
const FORM = { ...PAGE, 'Content-Type': 'application/x-www-form-urlencoded' };

/** The sign-in page's CSRF cookie and token, as a browser gets them before signing in. */
async function signInForm(): Promise<{ cookie: string; csrf: string }> {
  const page = await call(server.port, 'GET', '/sign-in', PAGE);
  const cookie = [page.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('__Host-baton_csrf='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(cookie && csrf, page.text).toBeTruthy();
  return { cookie: cookie!.split(';')[0]!, csrf: csrf! };
}

async function signInRedirectingTo(redirectTo: string): Promise<Answer> {
  const { cookie, csrf } = await signInForm();
  const body = new URLSearchParams({ csrf, email: manager.email, password: TEST_PASSWORD, redirectTo });
  return call(server.port, 'POST', '/sign-in', { ...FORM, Cookie: cookie }, body.toString());
}

/** No stack trace was logged since `mark` (a 500 logs one with its error id). */
function expectNoStackTraceSince(mark: number) {
  const logged = server.log().slice(mark);
  expect(logged).not.toMatch(/^error [0-9a-f-]{36} in /m);
  expect(logged).not.toMatch(/\n\s+at /);
}

/**
 * A body of `total` bytes sent in chunks (chunked, unless a length is declared) until the
 * server answers; how many bytes went out before the answer came is reported.
 */
function streamedPost(
  target: string,
  headers: Record<string, string>,
  total: number,
  { head, chunk = Buffer.alloc(64 * 1024, 'a') }: { head?: Buffer; chunk?: Buffer } = {},
): Promise<Answer & { sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(
      { host: '127.0.0.1', port: server.port, method: 'POST', path: target, headers, agent: false },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        const finish = () => {
          const body = Buffer.concat(chunks);
          request.destroy();
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body,
            text: body.toString(),
            sent,
          });
        };
        response.on('data', (part: Buffer) => chunks.push(part));
        response.on('end', finish);
        // The server closes a connection whose body it did not read; the reset that follows can
        // reach this client before the end of the answer does (a client writing a body it was
        // told not to send meets the same). The answer itself had come: that is what is checked.
        response.on('error', finish);
      },
    );
    // A server that stops reading and closes resets the connection; a client still writing may
    // meet the reset before it has read the answer (RFC 9112 §9.6). That is reported as status 0.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), text: '', sent });
      } else reject(error);
    });
    if (head) request.write(head);
    if (total === 0) request.flushHeaders();
    const write = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', write);
          return;
        }
      }
      // A declared body that is never sent: the answer must come without it.
      if (!answered && total > 0) request.end();
    };
    write();
  });
}

/** The web server's resident memory, in bytes. */
function residentBytes(): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

describe('the sign-in redirect', () => {
  it('sends a freshly signed-in user to a path on the portal, never to another site or a broken header', async () => {
    const mark = server.log().length;
    const hostile = [
      '/\\evil.example/',
      '/\t/evil.example/',
      '/\n/evil.example/',
      '/.//evil.example/',
      '/x\r\nSet-Cookie: planted=1',
      '/x\u2028y',
      '/x\u0085y',
      'https://evil.example/',
    ];
    for (const target of hostile) {
      const answer = await signInRedirectingTo(target);
      const shown = JSON.stringify(target);
      if (/\p{Cc}/u.test(target.replace(/[\t\n\r]/g, ''))) {
        // A control character other than tab and line breaks: the whole form is refused.
        expect(answer.status, shown).toBe(400);
        expect(answer.text).toContain('control character');
      } else {
        expect(answer.status, shown).toBe(302);
        // Signed in, and sent to a channel manager's home instead.
        expect(answer.headers.location, shown).toBe('/queue');
      }
      expect(String(answer.headers['set-cookie'])).not.toContain('planted');
    }
    const kept = await signInRedirectingTo('/customers?q=zürich');
    expect(kept.headers.location).toBe('/customers?q=z%C3%BCrich');
    expectNoStackTraceSince(mark);
  });

  it('drops a sign-in link target with a line break, refuses one with a NUL (400), and keeps an ordinary one', async () => {
    const targetOf = (page: Answer) => /name="redirectTo" value="([^"]*)"/.exec(page.text)?.[1];
    for (const encoded of ['%0d%0aSet-Cookie:%20x=1', '%2Fx%0a%2Fevil.example', '%2F%5Cevil.example']) {
      const answer = await call(server.port, 'GET', `/sign-in-link?redirectTo=${encoded}`, PAGE);
      expect(answer.status, encoded).toBe(200);
      expect(targetOf(answer), encoded).toBe('');
    }
    const nul = await call(server.port, 'GET', '/sign-in-link?redirectTo=%2Fx%00', PAGE);
    expect(nul.status).toBe(400);
    expect(nul.text).toContain('control character');
    const kept = await call(server.port, 'GET', '/sign-in-link?redirectTo=%2Fqueue%3Fq%3D1', PAGE);
    expect(targetOf(kept)).toBe('/queue?q=1');
  });
});

describe('a body that is not a form', () => {
  it.each([
    ['application/json', '{"email":"a@b.c","password":"x"}'],
    ['text/plain', 'email=a@b.c'],
    ['application/xml', '<x/>'],
    ['', 'email=a@b.c'],
  ])('is refused with 415, changing nothing: %j', async (type, body) => {
    const mark = server.log().length;
    for (const target of ['/sign-in', '/sign-in.data', '/settings/routing', '/opportunities/new']) {
      const headers: Record<string, string> = { Cookie: manager.cookie };
      if (type) headers['Content-Type'] = type;
      const answer = await call(server.port, 'POST', target, headers, body);
      expect(answer.status, `${type} ${target}`).toBe(415);
      expect(answer.text).toContain('Baton accepts a form here');
    }
    expectNoStackTraceSince(mark);
  });

  it('lets a POST without a body past the content check, to the route kit’s own answer', async () => {
    const answer = await call(server.port, 'POST', '/sign-in', { 'Content-Length': '0' });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('did not carry a form Baton could read');
  });
});

describe("Remix's legacy data requests (?_data=)", () => {
  it('are answered 400 for a page, an action and a resource route, signed in or not, never 500', async () => {
    const mark = server.log().length;
    const requests: [string, string, Record<string, string>, string?][] = [
      ['GET', '/sign-in?_data=routes%2Fsign-in', {}],
      ['GET', '/queue?_data=routes%2Fqueue', { Cookie: manager.cookie }],
      ['GET', '/?_data=root', { Cookie: manager.cookie }],
      ['GET', '/sign-out?_data=routes%2Fsign-out', { Cookie: manager.cookie }],
      [
        'POST',
        '/sign-in?_data=routes%2Fsign-in',
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        'email=a%40b.c&password=x',
      ],
      [
        'POST',
        '/settings/routing?_data=routes%2Fsettings.routing',
        { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: manager.cookie },
        `csrf=${manager.csrf}`,
      ],
    ];
    for (const [method, target, headers, body] of requests) {
      const answer = await call(server.port, method, target, headers, body);
      expect(answer.status, `${method} ${target}: ${answer.text}`).toBe(400);
    }
    expectNoStackTraceSince(mark);
  });
});

describe('request bodies', () => {
  it('refuses a form declared larger than 1 MB with 413 before reading it, and closes the connection', async () => {
    // Only the head is sent: the refusal must not wait for the body.
    const answer = await streamedPost(
      '/sign-in',
      { ...FORM, 'Content-Length': String(FORM_BODY_LIMIT + 1) },
      0,
    );
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.text).toContain('more than Baton accepts here (1 MB)');
    expect(answer.headers['content-security-policy']).toBeTruthy();
  });

  it('cuts a chunked 200 MB form off once it passes 1 MB: 413, and the server does not hold it', async () => {
    const mark = server.log().length;
    const before = residentBytes();
    const answers = [];
    // Eight at once, as in the report that left the server at 765 MB.
    for (const target of ['/sign-in', '/sign-in', '/forgot-password', '/sign-in-link']) {
      answers.push(streamedPost(target, FORM, 200 * 1024 * 1024));
      answers.push(streamedPost(target, { ...FORM, Cookie: manager.cookie }, 200 * 1024 * 1024));
    }
    const settled = await Promise.all(answers);
    // Each is refused: a 413, or (for a client still writing when the server closed) a reset.
    expect(settled.filter((answer) => answer.status === 413).length).toBeGreaterThan(0);
    for (const answer of settled) {
      expect([413, 0]).toContain(answer.status);
      if (answer.status === 413) expect(answer.headers.connection).toBe('close');
      // The server stopped reading: far less than 200 MB went out before its answer.
      expect(answer.sent).toBeLessThan(32 * 1024 * 1024);
    }
    // Reading the bodies whole would take 1.6 GB; a cold server still grows while it warms up.
    expect(residentBytes() - before).toBeLessThan(300 * 1024 * 1024);
    expectNoStackTraceSince(mark);
    // The server still answers.
    expect((await call(server.port, 'GET', '/sign-in', PAGE)).status).toBe(200);
  });

  it('lets an upload through past 1 MB, and the import page itself refuses a file over its 50 MB limit', async () => {
    const boundary = 'baton-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${manager.csrf}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nname\r\n`,
    );
    const headers = {
      ...PAGE,
      Cookie: manager.cookie,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
    };
    // First the head of the form, then rows past the file limit.
    const answer = await streamedPost('/imports', headers, MAX_IMPORT_BYTES * 1.5, {
      head,
      chunk: Buffer.alloc(64 * 1024, 'row\r\n'),
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('The file is larger than 50 MB');
  });
});
