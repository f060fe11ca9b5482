import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppLoadContext } from '@remix-run/node';
import { completeSecurityHeaders } from '../utils/security-headers.server';
import { gzipFor } from './compression';
import { comesFromAnotherSite, CROSS_SITE_DATA, CROSS_SITE_FORM } from './cross-site';
import { BAD_REQUEST, plainAnswer, SERVER_ERROR, wantsHtml, type PlainMessage } from './plain-pages';
import { bodyRuleFor, countedBody, refusalBeforeBody, tooLarge } from './request-body';
import type { StaticFiles } from './static-files';

/**
 * Between Node's HTTP server and Remix: a Node request becomes a fetch `Request`, and whatever
 * answers it (a static file, the cross-site refusal, Remix, a failure) goes out through one
 * door, `send`, which puts the security headers on everything. Remix's own answers that never
 * reach entry.server (a redirect from a loader, its 500s, its manifest requests) would
 * otherwise leave without them.
 */

export interface AdapterOptions {
  /** Remix's request handler for the server build; the load context carries the socket's peer. */
  handleRequest: (request: Request, loadContext?: AppLoadContext) => Promise<Response>;
  staticFiles: StaticFiles;
  /** True once the server is stopping: answers then close their connection behind them. */
  stopping: () => boolean;
}

export function createRequestListener(options: AdapterOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res, options);
  };
}

/**
 * A request Node could not parse (a malformed line, headers too large, too slow) never becomes a
 * request: Node's own answer to it is written here instead, to carry the headers too.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const headers = new Headers({ 'Content-Length': '0', Connection: 'close' });
  completeSecurityHeaders(headers);
  const lines = [...headers].map(([name, value]) => `${name}: ${value}`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n`);
}

async function answer(req: IncomingMessage, res: ServerResponse, options: AdapterOptions): Promise<void> {
  const headers = requestHeaders(req);
  const url = headers && requestUrl(req, headers);
  const asHtml = wantsHtml(headers ?? new Headers(), url ?? new URL('http://localhost/'));
  let response: Response;
  try {
    response =
      headers && url ? await respond(req, res, url, headers, options) : plainAnswer(BAD_REQUEST, asHtml);
  } catch (error) {
    logFailure(error, req);
    response = plainAnswer(SERVER_ERROR, asHtml);
  }
  try {
    await send(req, res, response, options);
  } catch (error) {
    // A visitor who closes the tab mid-answer is no fault of ours.
    if (!isOurFault(error)) return;
    logFailure(error, req);
    if (res.headersSent) {
      // Half a page must not look like a whole one: cut the connection.
      res.destroy();
      return;
    }
    await send(req, res, plainAnswer(SERVER_ERROR, asHtml), options).catch(() => res.destroy());
  }
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Headers,
  options: AdapterOptions,
): Promise<Response> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') {
    const file = options.staticFiles.answer(method, url.pathname, headers);
    if (file) return file;
  }
  if (comesFromAnotherSite(method, headers)) {
    console.warn(
      `refused a cross-site ${method} ${url.pathname} from ${headers.get('Origin') ?? `Sec-Fetch-Site: cross-site`}`,
    );
    const asHtml = wantsHtml(headers, url);
    return plainAnswer(asHtml ? CROSS_SITE_FORM : CROSS_SITE_DATA, asHtml);
  }
  const rule = bodyRuleFor(url.pathname);
  const refusal = refusalBeforeBody(method, headers, rule);
  if (refusal) return unreadBodyAnswer(refusal, wantsHtml(headers, url));
  // Loaders and actions see the request aborted when the visitor goes away before the answer,
  // or when its body is cut off at the limit: what they made of it then is nobody's fault.
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let tooLargeBody = false;
  const body =
    method === 'GET' || method === 'HEAD'
      ? null
      : countedBody(req, rule.limit, () => {
          tooLargeBody = true;
          controller.abort();
        });
  let response: Response;
  try {
    // A fetch Request has no socket: loaders read the peer's address from the context instead.
    response = await options.handleRequest(remixRequest(req, url, headers, controller.signal, body), {
      socketAddress: req.socket.remoteAddress,
    });
  } catch (error) {
    if (!tooLargeBody) throw error;
    response = new Response(null, { status: 500 });
  }
  // Whatever the route made of a body cut off at its limit (a 400, a 500), it was too large.
  if (tooLargeBody) {
    await response.body?.cancel();
    return unreadBodyAnswer(tooLarge(rule.limit), wantsHtml(headers, url));
  }
  // Remix's last resort for a document request that failed before rendering is an empty 500
  // (logged by entry.server's handleError): a blank page says nothing to the visitor.
  if (response.status >= 500 && response.body === null && method !== 'HEAD') {
    return plainAnswer(SERVER_ERROR, wantsHtml(headers, url));
  }
  return response;
}

/** Node has already refused malformed header lines; Headers may still refuse a value Node let through. */
function requestHeaders(req: IncomingMessage): Headers | null {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
    return headers;
  } catch {
    return null;
  }
}

/**
 * The request's address from its own Host header, as remix-serve built it. Only origin-form
 * targets (`/path?query`): built by concatenation, `//evil.example/x` stays a path on this host
 * instead of becoming another host. A missing Host, or one that is not a host name, is refused
 * (null): Remix and requireSameOrigin compare it with Origin.
 */
function requestUrl(req: IncomingMessage, headers: Headers): URL | null {
  const target = req.url ?? '';
  const host = headers.get('Host') ?? '';
  if (!target.startsWith('/') || !/^[a-z0-9.\-_~]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(host)) return null;
  try {
    return new URL(`http://${host}${target}`);
  } catch {
    return null;
  }
}

/** A refusal sent before the whole body was read: the connection cannot carry another request. */
function unreadBodyAnswer(message: PlainMessage, asHtml: boolean): Response {
  const response = plainAnswer(message, asHtml);
  response.headers.set('Connection', 'close');
  return response;
}

function remixRequest(
  req: IncomingMessage,
  url: URL,
  headers: Headers,
  signal: AbortSignal,
  body: ReadableStream<Uint8Array> | null,
): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers, signal };
  if (body) {
    init.body = body;
    init.duplex = 'half';
  }
  return new Request(url, init);
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  options: AdapterOptions,
): Promise<void> {
  const headers = new Headers(response.headers);
  completeSecurityHeaders(headers);
  // A second attempt (the 500 page after a failed answer) must not inherit the first one's headers.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const head = req.method === 'HEAD';
  const gzip =
    response.body && !head
      ? gzipFor(firstOf(req.headers['accept-encoding']), response.status, headers)
      : null;
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
  if (options.stopping()) res.setHeader('Connection', 'close');
  if (!response.body || head) {
    await response.body?.cancel();
    res.end();
    return;
  }
  // Node's web streams are async iterables; the DOM types this project compiles with omit it.
  const body = response.body as unknown as AsyncIterable<Uint8Array>;
  // pipeline waits for the visitor's socket (backpressure) and, if they leave, cancels the body.
  await (gzip ? pipeline(body, gzip, res) : pipeline(body, res));
}

function firstOf(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

// Errors of the visitor's connection, not of the app.
const CONNECTION_ERRORS = new Set([
  'ERR_STREAM_PREMATURE_CLOSE',
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_DESTROYED',
]);
function isOurFault(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  // The visitor left, so Remix aborted the request and with it the page being streamed.
  if (name === 'AbortError') return false;
  return typeof code !== 'string' || !CONNECTION_ERRORS.has(code);
}

function logFailure(error: unknown, req: IncomingMessage) {
  const path = (req.url ?? '').split('?')[0];
  console.error(`error ${randomUUID()} in ${req.method} ${path}:`, error);
}
