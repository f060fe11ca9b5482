/**
 * Where a visitor may be sent after signing in (or any other redirect built from input): only a
 * place on this portal. The browser decides where a Location header leads by the WHATWG URL
 * parser, which strips tabs and newlines, reads `\` as `/` and resolves `.` segments, so the
 * check is made by that parser too, not by looking at the string's first characters:
 * `/\evil.example`, `/\t/evil.example` and `/.//evil.example` all lead to another site.
 */

// Any origin would do: the target is resolved against it and must stay on it.
const PORTAL = 'https://portal.invalid';

/**
 * C0 and C1 controls (Unicode Cc: tab, CR, LF, DEL and U+0085 included), the line and paragraph separators,
 * and the backslash: browsers strip or rewrite them inside a path, and in a header CR and LF
 * would end it.
 */
const REWRITTEN_BY_BROWSERS = /[\p{Cc}\u2028\u2029\\]/u;

const MAX_TARGET_LENGTH = 2048;

/**
 * The target as the path, query and fragment the browser would resolve it to, or `fallback`
 * when it is not a path on this portal.
 */
export function safeRedirect(to: unknown, fallback: string): string {
  if (typeof to !== 'string' || to.length > MAX_TARGET_LENGTH) return fallback;
  if (!to.startsWith('/') || REWRITTEN_BY_BROWSERS.test(to)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(to, PORTAL);
  } catch {
    return fallback;
  }
  if (resolved.origin !== PORTAL) return fallback;
  const target = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // `/.//evil.example` resolves to the path `//evil.example`, which a browser reads as a host.
  if (target.startsWith('//')) return fallback;
  return target;
}
