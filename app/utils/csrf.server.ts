import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { getCurrentSession, readCookie, serializeCookie, type AuthDeps } from './session.server';

/** The hidden form field every state-changing form carries (see `<CsrfField />`). */
export const CSRF_FIELD = 'csrf';

/**
 * Before sign-in there is no session row to keep the token on, so the sign-in form uses a
 * double-submit token: a short-lived HttpOnly cookie plus the same value in the form. A cross-site
 * page can make the browser send the cookie but cannot read it to copy into the form; `__Host-`
 * in production stops a sibling subdomain from planting a cookie of its own choosing.
 */
export const PRE_SESSION_CSRF_MAX_AGE_SECONDS = 60 * 60;
export function preSessionCsrfCookieName(): string {
  return process.env.NODE_ENV === 'production' ? '__Host-baton_csrf' : 'baton_csrf';
}

const FORBIDDEN_MESSAGE =
  'This form has expired or did not come from a Baton page. Reload the page and try again; nothing was changed.';

const forbidden = (message = FORBIDDEN_MESSAGE) =>
  new Response(message, { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

/**
 * The token the request's forms must carry: the session's own when signed in, else the
 * pre-session cookie's (minted when missing). `setCookie` is the header value to send along,
 * which also renews the pre-session cookie's lifetime on every page that shows a form.
 */
export async function csrfTokenFor(
  request: Request,
  deps?: AuthDeps,
): Promise<{ token: string; setCookie: string | null }> {
  const session = await getCurrentSession(request, deps);
  if (session) return { token: session.csrfToken, setCookie: null };
  const name = preSessionCsrfCookieName();
  const token = readCookie(request, name) ?? randomBytes(32).toString('base64url');
  return { token, setCookie: serializeCookie(name, token, PRE_SESSION_CSRF_MAX_AGE_SECONDS) };
}

/** The Set-Cookie value that drops the pre-session token once a session exists. */
export function clearPreSessionCsrfCookie(): string {
  return serializeCookie(preSessionCsrfCookieName(), '', 0);
}

/**
 * Refuses a browser POST sent by another site. Browsers send Origin on every cross-origin POST
 * (and "null" from sandboxed or privacy-stripped contexts); when present it must name our host.
 * Hosts are compared rather than full origins because behind a TLS-terminating proxy the app
 * sees http:// while the browser says https://.
 */
export function requireSameOrigin(request: Request): void {
  const origin = request.headers.get('Origin');
  if (origin === null) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw forbidden('This request came from another site and was refused; nothing was changed.');
  }
  if (originHost !== new URL(request.url).host) {
    throw forbidden('This request came from another site and was refused; nothing was changed.');
  }
}

/**
 * Opens every action: the request must come from our own origin and carry the CSRF token of
 * its session (or, before sign-in, of its pre-session cookie). Throws a 403 Response otherwise.
 */
export async function requireCsrf(request: Request, formData: FormData, deps?: AuthDeps): Promise<void> {
  requireSameOrigin(request);
  const submitted = formData.get(CSRF_FIELD);
  if (typeof submitted !== 'string' || submitted === '') throw forbidden();
  const session = await getCurrentSession(request, deps);
  const expected = session ? session.csrfToken : readCookie(request, preSessionCsrfCookieName());
  if (!expected || !tokensMatch(submitted, expected)) throw forbidden();
}

// Hashing first gives timingSafeEqual equal-length inputs without leaking the expected length.
function tokensMatch(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
