/**
 * Escaping for the HTML part. Every value interpolated into safeHtml`…` is escaped unless it is
 * itself markup built by `safeHtml` (or, rarely, declared trusted), so data can never become
 * markup: a lead's need, a partner's name or a campaign name are typed by people outside our
 * control. The tag is not called `html` because Prettier reformats templates tagged so, which
 * would change the whitespace inside cells that keep the author's line breaks.
 */

const TRUSTED = Symbol('trusted-html');

export interface SafeHtml {
  readonly [TRUSTED]: string;
}

/**
 * What may be interpolated. `null`, `undefined` and objects are left out on purpose: the type
 * checker then refuses a template that would print "undefined" or "[object Object]".
 */
export type HtmlValue = SafeHtml | string | number | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && TRUSTED in value;
}

function toMarkup(value: HtmlValue): string {
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') {
    // A NaN or Infinity here is a bug upstream; printing it would only hide it from the sender.
    if (!Number.isFinite(value)) throw new Error(`Refusing to print the number ${value} in an email`);
    return String(value);
  }
  if (isSafeHtml(value)) return value[TRUSTED];
  return value.map(toMarkup).join('');
}

export function safeHtml(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += toMarkup(value) + (strings[index + 1] ?? '');
  });
  return { [TRUSTED]: markup };
}

export function markupOf(fragment: SafeHtml): string {
  return fragment[TRUSTED];
}

/**
 * Links come from the worker's own configuration, yet a `javascript:` or relative URL in an
 * email is always a bug (a missing public URL, say): fail the render loudly rather than send it.
 */
export function assertEmailUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Email link is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`Email link must be http(s): ${JSON.stringify(url)}`);
  }
  return url;
}
