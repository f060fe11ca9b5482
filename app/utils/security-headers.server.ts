import { randomBytes } from 'node:crypto';

/**
 * The security headers of every response. Documents get a content security policy that lets
 * only our own files and the inline scripts Remix renders for hydration (marked with this
 * request's nonce) run; data requests and downloads get one that lets nothing run at all, since
 * they are never meant to be rendered as a page.
 */

/** A directive name and its sources, e.g. `'style-src-attr': ["'unsafe-inline'"]`. */
export type CspDirectives = Record<string, string[]>;

/**
 * What a route may add to its documents' policy, through `handle`. Only /dev/mail/:id does:
 * the caught mail's HTML is shown in a sandboxed srcdoc iframe, which inherits the page's
 * policy, and email HTML is styled with style attributes (mail clients drop <style> blocks).
 */
export interface SecurityHandle {
  contentSecurityPolicy?: CspDirectives;
}

const isProduction = () => process.env.NODE_ENV === 'production';

/** A fresh nonce per document: an attacker who injects markup cannot guess it. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export function documentPolicy(nonce: string, extra: CspDirectives[] = []): string {
  const development = process.env.NODE_ENV === 'development';
  const directives: CspDirectives = {
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${nonce}'`],
    // Vite's dev server injects stylesheets as <style> elements and talks over a WebSocket.
    'style-src': development ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': development ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
    // The caught-mail page shows a mail in a sandboxed srcdoc iframe; nothing else is framed.
    'frame-src': ["'self'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'object-src': ["'none'"],
  };
  for (const addition of extra) {
    for (const [name, sources] of Object.entries(addition)) {
      directives[name] = [...new Set([...(directives[name] ?? []), ...sources])];
    }
  }
  return serialize(directives);
}

/** For anything that is not a page: JSON, turbo-stream data, CSV downloads, plain-text errors. */
export const NON_DOCUMENT_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function serialize(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Sets the headers on a response's (mutable) headers; keeps a stricter Referrer-Policy a route set. */
export function applySecurityHeaders(headers: Headers, contentSecurityPolicy: string): void {
  headers.set('Content-Security-Policy', contentSecurityPolicy);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('X-Frame-Options', 'DENY');
  if (headers.get('Referrer-Policy') !== 'no-referrer') {
    headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  }
  headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  // Only behind TLS: a browser that saw it on plain-http localhost would refuse http there for a year.
  if (isProduction()) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

/**
 * The web server's last pass over every answer (app/server/http-adapter.ts): fills in the headers
 * that a redirect, a resource route's refusal, Remix's own error answers or a static file lack.
 * A page keeps the policy entry.server gave it, since its nonce is the one on the page's scripts;
 * anything without a policy gets the one that runs nothing.
 */
export function completeSecurityHeaders(headers: Headers): void {
  applySecurityHeaders(headers, headers.get('Content-Security-Policy') ?? NON_DOCUMENT_POLICY);
}

/** The response with the headers of something that is not a page, copying it if its headers are frozen. */
export function withNonDocumentHeaders(response: Response): Response {
  try {
    applySecurityHeaders(response.headers, NON_DOCUMENT_POLICY);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    applySecurityHeaders(copy.headers, NON_DOCUMENT_POLICY);
    return copy;
  }
}

/**
 * Resource routes (downloads, and the routes that only redirect) bypass entry.server, so their
 * loaders and actions are wrapped: the headers go on the answer and on any Response thrown (a
 * 404, a redirect to sign in) alike.
 */
export function resourceHandler<Args>(handler: (args: Args) => Promise<Response>) {
  const wrapped = async (args: Args): Promise<Response> => {
    try {
      return withNonDocumentHeaders(await handler(args));
    } catch (thrown) {
      if (thrown instanceof Response) throw withNonDocumentHeaders(thrown);
      throw thrown;
    }
  };
  // Keeps the handler's own marks (the route kit's, which the route-manifest tests look for).
  return Object.assign(wrapped, handler);
}
