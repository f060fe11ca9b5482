import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeRedirect } from './safe-redirect';

const FALLBACK = '/home-of-the-user';
const ORIGINS = ['https://baton.example', 'http://127.0.0.1:3000', 'https://xn--zrich-kva.example:8443'];

/** Pieces that browsers strip, rewrite or read as the start of another host. */
const TRICKY = [
  '/',
  '//',
  '\\',
  '.',
  '..',
  '%2e',
  '%2f',
  '%5c',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u0000',
  '\u0085',
  '\u2028',
  '\u2029',
  ' ',
  '@',
  ':',
  '?',
  '#',
  'evil.example',
  'http:',
  'javascript:',
  'queue',
  '\u3002',
  '\uff0f',
];

const trickyTarget = fc.array(fc.constantFrom(...TRICKY), { maxLength: 8 }).map((parts) => parts.join(''));
const anyTarget = fc.oneof(
  trickyTarget,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.webUrl(),
  fc.webPath(),
);

describe('safeRedirect', () => {
  it('accepts only targets that every browser resolves to the same place on the portal’s own origin', () => {
    fc.assert(
      fc.property(anyTarget, fc.constantFrom(...ORIGINS), (target, origin) => {
        const accepted = safeRedirect(target, FALLBACK);
        if (accepted === FALLBACK) return;
        // What the browser does with the Location header: resolve it against the page's address.
        const resolved = new URL(accepted, `${origin}/sign-in`);
        expect(resolved.origin).toBe(origin);
        // The same place the visitor asked for, not somewhere the string was rewritten to.
        expect(`${resolved.pathname}${resolved.search}${resolved.hash}`).toBe(
          `${new URL(target, origin).pathname}${new URL(target, origin).search}${new URL(target, origin).hash}`,
        );
        // Nothing that could end a header line or be stripped on the way.
        expect(accepted).not.toMatch(/[\p{Cc}\u2028\u2029\\]/u);
        expect(accepted.startsWith('/') && !accepted.startsWith('//')).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['/\\evil.example', 'a backslash, read as a slash'],
    ['/\t/evil.example', 'a tab, stripped'],
    ['/\n/evil.example', 'a newline, stripped'],
    ['/\r\nSet-Cookie: x=1', 'CR LF, which would end the header'],
    ['/x\u2028y', 'a line separator'],
    ['/x\u0085y', 'a next-line character'],
    ['/.//evil.example', 'a dot segment that leaves //evil.example'],
    ['//evil.example', 'a protocol-relative address'],
    ['https://evil.example/', 'an absolute address'],
    ['queue', 'a relative path'],
    ['', 'nothing'],
    [`/${'a'.repeat(3000)}`, 'a target longer than any page address'],
  ])('refuses %j (%s)', (target) => {
    expect(safeRedirect(target, FALLBACK)).toBe(FALLBACK);
  });

  it('refuses what is not text', () => {
    for (const value of [null, undefined, 42, ['/queue'], { toString: () => '/queue' }]) {
      expect(safeRedirect(value, FALLBACK)).toBe(FALLBACK);
    }
  });

  it('keeps a path on the portal, with its query and fragment, as the browser would write it', () => {
    expect(safeRedirect('/queue?status=pending#top', FALLBACK)).toBe('/queue?status=pending#top');
    expect(safeRedirect('/customers/../queue', FALLBACK)).toBe('/queue');
    expect(safeRedirect('/partners/zürich', FALLBACK)).toBe('/partners/z%C3%BCrich');
  });
});
