import type { SIZE_SEGMENTS as SCHEMA_SIZE_SEGMENTS } from '../../../db/schema';

// Spelled out rather than imported so that pages can use it without shipping the database
// schema to the browser; `satisfies` fails the build should the two ever differ.
export const SIZE_SEGMENTS = [
  'enterprise',
  'mid_market',
  'small_business',
] as const satisfies typeof SCHEMA_SIZE_SEGMENTS;
export type SizeSegment = (typeof SIZE_SEGMENTS)[number];

export const SIZE_SEGMENT_LABELS: Record<SizeSegment, string> = {
  enterprise: 'Enterprise',
  mid_market: 'Mid-market',
  small_business: 'Small business',
};

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** Whether `code` is an assigned ISO 3166-1 alpha-2 country code (not just two letters). */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || code === 'ZZ') return false;
  return regionNames.of(code) !== code;
}

export function countryName(code: string): string {
  return isCountryCode(code) ? (regionNames.of(code) ?? code) : code;
}

export const COMPANY_USER_ROLES = ['partner_rep', 'partner_admin'] as const;
export type CompanyUserRole = (typeof COMPANY_USER_ROLES)[number];
export const COMPANY_USER_ROLE_LABELS: Record<CompanyUserRole, string> = {
  partner_rep: 'Partner rep',
  partner_admin: 'Partner admin',
};
export const MIN_PASSWORD_LENGTH = 12;
