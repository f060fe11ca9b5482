/**
 * Web domains as people type them: "zürich-versicherung.ch", "https://www.têxteis.pt/contact",
 * "example.com". Kept as typed (the host only, lower case), and compared in their ASCII form
 * ("xn--zrich-versicherung-2ob.ch"), in which a record saved as punycode and one typed in
 * Unicode are the same domain.
 */

export type WebDomain = { ok: true; domain: string; ascii: string } | { ok: false; reason: string };

const ASCII_HOST = /^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** The host of what was typed: no scheme, path, query or port; lower case; Unicode kept. */
function hostOf(typed: string): string {
  return typed
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .split(/[/?#]/, 1)[0]!
    .replace(/:\d*$/, '')
    .replace(/\.$/, '');
}

/**
 * The ASCII (punycode) form of a host, by the WHATWG URL host parser: the same UTS #46
 * processing as node:url's domainToASCII, and available in the browser too. null when the host
 * is not a domain name.
 */
export function domainToAsciiForm(host: string): string | null {
  if (host === '' || /[\s@:/\\?#[\]%]/.test(host)) return null;
  let ascii: string;
  try {
    ascii = new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
  return ASCII_HOST.test(ascii) && ascii.length <= 253 ? ascii : null;
}

export function parseWebDomain(typed: string): WebDomain {
  const domain = hostOf(typed);
  const ascii = domainToAsciiForm(domain);
  if (ascii === null || /^\d+(\.\d+)*$/.test(ascii)) {
    return {
      ok: false,
      reason: `“${typed.trim()}” is not a web domain such as example.com or zürich-versicherung.ch.`,
    };
  }
  return { ok: true, domain, ascii };
}

/** The ASCII form to store beside a domain already checked; null for none. */
export function asciiFormOf(domain: string | null | undefined): string | null {
  if (!domain) return null;
  const parsed = parseWebDomain(domain);
  return parsed.ok ? parsed.ascii : null;
}
