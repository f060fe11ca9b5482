import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRequestListener } from './http-adapter';
import type { StaticFiles } from './static-files';

/**
 * The adapter in process, in front of a stand-in for Remix: how a Node request reaches the
 * handler, and what leaves when the handler fails. The real app behind it is in
 * tests/integration/web-server.test.ts.
 */

const noStaticFiles: StaticFiles = { answer: () => null };
let server: Server | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handleRequest: (request: Request) => Promise<Response>): Promise<number> {
  server = createServer(
    createRequestListener({ handleRequest, staticFiles: noStaticFiles, stopping: () => false }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function call(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('aborted')));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

const quietErrors = () => vi.spyOn(console, 'error').mockImplementation(() => {});

describe('a request reaching Remix', () => {
  it('arrives whole: method, address on its own host, headers and a large body', async () => {
    let seen: { method: string; url: string; cookie: string | null; body: string } | undefined;
    const port = await serve(async (request) => {
      seen = {
        method: request.method,
        url: request.url,
        cookie: request.headers.get('Cookie'),
        body: await request.text(),
      };
      return new Response('ok');
    });
    const body = 'x'.repeat(300_000);
    await call(port, '//not-a-host/path?q=1', {
      method: 'PUT',
      headers: { Cookie: 'a=1', 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(seen).toEqual({
      method: 'PUT',
      url: `http://127.0.0.1:${port}//not-a-host/path?q=1`,
      cookie: 'a=1',
      body,
    });
  });

  it('keeps every Set-Cookie of the answer apart', async () => {
    const port = await serve(async () => {
      const headers = new Headers();
      headers.append('Set-Cookie', 'a=1; Path=/; HttpOnly');
      headers.append('Set-Cookie', 'b=2; Path=/, with a comma');
      return new Response('ok', { headers });
    });
    expect((await call(port, '/')).headers['set-cookie']).toEqual([
      'a=1; Path=/; HttpOnly',
      'b=2; Path=/, with a comma',
    ]);
  });

  it('sees its signal aborted when the visitor leaves before the answer', async () => {
    let aborted: Promise<void> | undefined;
    const port = await serve(
      (request) =>
        new Promise<Response>((resolve) => {
          aborted = new Promise((done) => request.signal.addEventListener('abort', () => done()));
          void aborted.then(() => resolve(new Response('too late')));
        }),
    );
    const request = httpRequest({ host: '127.0.0.1', port, path: '/slow', agent: false });
    request.on('error', () => {});
    request.end();
    await vi.waitFor(() => expect(aborted).toBeDefined());
    request.destroy();
    await expect(aborted).resolves.toBeUndefined();
  });
});

describe('a failure', () => {
  it('thrown by the handler: a plain 500 page with the headers, the error logged with an id, no trace shown', async () => {
    const logged = quietErrors();
    const port = await serve(async () => {
      throw new Error('database password is hunter2');
    });
    const answer = await call(port, '/queue', { headers: { Accept: 'text/html' } });
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.text).toContain('Something went wrong');
    expect(answer.text).not.toMatch(/hunter2|Error|at .*\.ts/);
    expect(logged).toHaveBeenCalledWith(
      expect.stringMatching(/^error [0-9a-f-]{36} in GET \/queue:$/),
      expect.objectContaining({ message: 'database password is hunter2' }),
    );
  });

  it("Remix's empty 500 becomes the plain page, and a data request gets it as text", async () => {
    const port = await serve(async () => new Response(null, { status: 500 }));
    const page = await call(port, '/queue', { headers: { 'Sec-Fetch-Dest': 'document' } });
    expect(page.status).toBe(500);
    expect(page.text).toContain('Something went wrong');
    const data = await call(port, '/queue.data', { headers: { Accept: 'text/html' } });
    expect(data.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(data.text).toContain('fault on our side');
  });

  it('halfway through a streamed answer cuts the connection, so half a page never passes for a whole one', async () => {
    const logged = quietErrors();
    const port = await serve(async () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('render failed'));
          sent = true;
          controller.enqueue(new TextEncoder().encode('<!DOCTYPE html><p>first half'));
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/html' } });
    });
    await expect(call(port, '/')).rejects.toThrow();
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^error .* in GET \/:$/), expect.anything());
  });
});

describe('gzip', () => {
  it('flushes each chunk of a streamed page, so the shell arrives before the rest is ready', async () => {
    let shellReceived!: () => void;
    const received = new Promise<void>((resolve) => (shellReceived = resolve));
    const port = await serve(async () => {
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(`<!DOCTYPE html><p>shell</p>${' '.repeat(2000)}`));
          // Only once the visitor has the shell is the rest produced: a buffered gzip would wait for ever.
          await received;
          controller.enqueue(new TextEncoder().encode('<p>rest</p>'));
          controller.close();
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/html' } });
    });
    const text = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, path: '/', headers: { 'Accept-Encoding': 'gzip' }, agent: false },
        (response) => {
          expect(response.headers['content-encoding']).toBe('gzip');
          let html = '';
          const gunzip = response.pipe(createGunzip());
          gunzip.on('data', (chunk: Buffer) => {
            html += chunk.toString();
            if (html.includes('shell')) shellReceived();
          });
          gunzip.on('end', () => resolve(html));
          gunzip.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(text).toContain('<p>shell</p>');
    expect(text).toMatch(/<p>rest<\/p>$/);
  }, 10_000);

  it('is left out for a visitor who refuses it, and for small answers', async () => {
    const port = await serve(async (request) =>
      request.url.endsWith('/small')
        ? new Response('tiny', { headers: { 'Content-Type': 'text/plain', 'Content-Length': '4' } })
        : new Response('y'.repeat(5000), { headers: { 'Content-Type': 'text/plain' } }),
    );
    const refused = await call(port, '/', { headers: { 'Accept-Encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.headers.vary).toBe('Accept-Encoding');
    expect(refused.text).toBe('y'.repeat(5000));
    const small = await call(port, '/small', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.text).toBe('tiny');
  });
});
