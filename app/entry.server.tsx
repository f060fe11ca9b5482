import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { EntryContext, HandleDataRequestFunction, HandleErrorFunction } from '@remix-run/node';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { RemixServer, isRouteErrorResponse } from '@remix-run/react';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import { requireSameOrigin } from './utils/csrf.server';
import { env } from './utils/env.server';
import { NonceContext } from './utils/nonce';
import { isLegacyDataRequest, LEGACY_DATA_REQUEST } from './utils/route-kit.server';
import {
  applySecurityHeaders,
  createNonce,
  documentPolicy,
  withNonDocumentHeaders,
  type SecurityHandle,
} from './utils/security-headers.server';

// Fail at start, naming every bad variable, rather than at the first request that needs one.
env();

const ABORT_DELAY_MS = 5_000;

/**
 * Remix's default Node entry: browsers get the shell as soon as it is ready, crawlers the whole
 * document at once.
 */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  const waitForAll = isbot(request.headers.get('user-agent') ?? '') || remixContext.isSpaMode;
  const nonce = createNonce();
  const additions = remixContext.staticHandlerContext.matches.flatMap((match) => {
    const handle = remixContext.routeModules[match.route.id]?.handle as SecurityHandle | undefined;
    return handle?.contentSecurityPolicy ? [handle.contentSecurityPolicy] : [];
  });
  applySecurityHeaders(responseHeaders, documentPolicy(nonce, additions));
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} nonce={nonce} />
      </NonceContext.Provider>,
      {
        // React's own inline scripts (streamed Suspense boundaries) must carry the nonce too.
        nonce,
        [waitForAll ? 'onAllReady' : 'onShellReady']() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set('Content-Type', 'text/html');
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors before the shell reject above and are logged by handleError; a page whose
          // visitor left (or whose request was refused meanwhile) is nobody's fault.
          if (shellRendered && !request.signal.aborted) logError(error, request);
        },
      },
    );
    // unref: a finished response must not hold a stopping process open for the full delay.
    setTimeout(abort, ABORT_DELAY_MS).unref();
  });
}

/**
 * Data requests (a page's loaders and actions, fetched by the browser) get the headers too. Remix
 * refuses a POST from another origin itself, before the action runs, but as a 500: that is the
 * visitor's doing, so it is answered as what it is, a 403. The production server refuses such a
 * POST before Remix sees it (app/server/cross-site.ts); this stays for the dev server.
 *
 * A legacy `?_data=` request is refused by the route kit before the route runs (400); a route
 * outside the kit (or the root) would have its answer mangled by Remix's legacy path, so anything
 * but a refusal or a redirect the route itself gave becomes the same 400.
 */
export const handleDataRequest: HandleDataRequestFunction = (response, { request }) => {
  if (isLegacyDataRequest(request)) {
    const routeAnswered =
      response.headers.has('X-Remix-Catch') ||
      response.headers.has('X-Remix-Redirect') ||
      response.headers.has('X-Remix-Error');
    if (response.status >= 500 || !routeAnswered) {
      return withNonDocumentHeaders(
        new Response(LEGACY_DATA_REQUEST, {
          status: 400,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        }),
      );
    }
    return withNonDocumentHeaders(response);
  }
  if (request.method !== 'GET' && response.status === 500) {
    try {
      requireSameOrigin(request);
    } catch (refusal) {
      if (refusal instanceof Response) return withNonDocumentHeaders(refusal);
      throw refusal;
    }
  }
  return withNonDocumentHeaders(response);
};

/**
 * Unknown addresses and wrong methods are the visitor's doing and need no stack trace; anything
 * else is logged with an id, while the page shows only a plain message.
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  // Remix warns of every legacy `?_data=` request, and a route outside the kit can fail inside
  // Remix's legacy encoder: the visitor asked in a protocol this app does not speak (answered 400).
  if (isLegacyDataRequest(request)) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.warn(`${request.method} ${new URL(request.url).pathname}: legacy ?_data= request (${reason})`);
    return;
  }
  if (isRouteErrorResponse(error) && error.status < 500) {
    console.warn(`${request.method} ${new URL(request.url).pathname}: ${error.status} ${error.statusText}`);
    return;
  }
  logError(error, request);
};

function logError(error: unknown, request: Request) {
  console.error(`error ${randomUUID()} in ${request.method} ${new URL(request.url).pathname}:`, error);
}
