import { describe, expect, it } from 'vitest';
import { comesFromAnotherSite } from './cross-site';

const OWN = { Host: 'baton.example:3000' };

describe('a request from another site', () => {
  it('is a state-changing one whose Origin names another host, or no host at all', () => {
    for (const origin of [
      'https://evil.example',
      'http://baton.example', // another port is another origin
      'http://baton.example:3000.evil.example',
      'null',
      'not a url',
      'file:///etc/passwd',
    ]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        expect(
          comesFromAnotherSite(method, new Headers({ ...OWN, Origin: origin })),
          `${method} ${origin}`,
        ).toBe(true);
      }
    }
  });

  it('is one that says so in Sec-Fetch-Site when Origin is missing', () => {
    expect(comesFromAnotherSite('POST', new Headers({ ...OWN, 'Sec-Fetch-Site': 'cross-site' }))).toBe(true);
    expect(comesFromAnotherSite('POST', new Headers({ ...OWN, 'Sec-Fetch-Site': 'same-origin' }))).toBe(
      false,
    );
  });

  it('is refused when there is no Host to compare Origin with', () => {
    expect(comesFromAnotherSite('POST', new Headers({ Origin: 'http://baton.example:3000' }))).toBe(true);
  });
});

describe('a request that passes', () => {
  it('comes from our own origin, whatever the scheme a TLS proxy stripped', () => {
    for (const origin of ['http://baton.example:3000', 'https://baton.example:3000']) {
      expect(comesFromAnotherSite('POST', new Headers({ ...OWN, Origin: origin }))).toBe(false);
    }
  });

  it('names the host a proxy forwarded, as Remix compares it', () => {
    const headers = new Headers({
      Host: 'web-1.internal:3000',
      'X-Forwarded-Host': 'partners.example.com, web-1.internal',
      Origin: 'https://partners.example.com',
    });
    expect(comesFromAnotherSite('POST', headers)).toBe(false);
    headers.set('Origin', 'http://web-1.internal:3000');
    expect(comesFromAnotherSite('POST', headers)).toBe(true);
  });

  it('reads and changes nothing (GET, HEAD), wherever it comes from', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const headers = new Headers({ ...OWN, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
      expect(comesFromAnotherSite(method, headers)).toBe(false);
    }
  });

  it('carries neither header (curl, an old browser): the action’s CSRF token check decides', () => {
    expect(comesFromAnotherSite('POST', new Headers(OWN))).toBe(false);
  });
});
