import type { PlainMessage } from './plain-pages';

/**
 * A state-changing request that another site made the visitor's browser send is refused here,
 * before Remix. Remix refuses it too when Origin names another host, but as an empty 500 that
 * tells the visitor nothing; and a browser that leaves Origin out still says where the request
 * came from in Sec-Fetch-Site. The actions' own check (requireCsrf: origin and token) stays:
 * this is the first of two doors, not a replacement for the second.
 */

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function comesFromAnotherSite(method: string, headers: Headers): boolean {
  if (!STATE_CHANGING.has(method)) return false;
  const origin = headers.get('Origin');
  if (origin === null) return headers.get('Sec-Fetch-Site') === 'cross-site';
  // "null" comes from sandboxed frames and privacy-stripped contexts: nowhere we can vouch for.
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true;
  }
  // The host Remix compares with (@remix-run/server-runtime throwIfPotentialCSRFAttack): whatever
  // passes here passes there, so Remix's own origin refusal is never what a visitor sees.
  const ownHost = headers.get('X-Forwarded-Host')?.split(',')[0]?.trim() || headers.get('Host');
  return !ownHost || originHost === '' || originHost !== ownHost;
}

export const CROSS_SITE_FORM: PlainMessage = {
  status: 403,
  title: 'This form came from another site',
  lines: [
    'This form came from another site, so Baton refused it. Nothing was changed.',
    'If you meant to do this, open Baton yourself and try again from its own pages.',
  ],
};

export const CROSS_SITE_DATA: PlainMessage = {
  status: 403,
  title: 'Refused',
  lines: ['This request came from another site and was refused; nothing was changed.'],
};
