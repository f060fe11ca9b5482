import type { PARTNER_STATUSES, PARTNER_TIERS, SIZE_SEGMENTS } from '../../db/enums';

export type Tier = (typeof PARTNER_TIERS)[number];
export type SizeSegment = (typeof SIZE_SEGMENTS)[number];

export interface PartnerSeed {
  slug: string;
  name: string;
  tier: Tier;
  status: (typeof PARTNER_STATUSES)[number];
  /** The first country is home territory (routing scores it higher). */
  countries: string[];
  industries: string[];
  sizeSegments: SizeSegment[];
  productLines: string[];
  timezone: string;
  maxOpen: number;
  /** Out of office from the moment of seeding, for this many days. */
  pausedForDays: number | null;
}

export const PRODUCT_LINES = ['storage', 'networking', 'security', 'cloud', 'analytics', 'collaboration'];

const CAPACITY: Record<Tier, number> = { platinum: 40, gold: 25, silver: 15, registered: 8 };

/** Lowercase and dashed, accents folded: "Fjord & Skog Data AB" → "fjord-skog-data-ab". */
export function slugify(name: string): string {
  return name
    .replace(/[łŁ]/g, 'l')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[æÆ]/g, 'ae')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

type Extra = Partial<Pick<PartnerSeed, 'status' | 'pausedForDays' | 'maxOpen'>>;

// Space-separated lists keep one partner per line, which is easier to scan than 40 objects.
function partner(
  name: string,
  tier: Tier,
  countries: string,
  industries: string,
  sizeSegments: string,
  productLines: string,
  timezone: string,
  extra: Extra = {},
): PartnerSeed {
  return {
    slug: slugify(name),
    name,
    tier,
    status: extra.status ?? 'active',
    countries: countries.split(' '),
    industries: industries.split(' '),
    sizeSegments: sizeSegments.split(' ') as SizeSegment[],
    productLines: productLines === 'all' ? PRODUCT_LINES : productLines.split(' '),
    timezone,
    maxOpen: extra.maxOpen ?? CAPACITY[tier],
    pausedForDays: extra.pausedForDays ?? null,
  };
}

const ENT_MID = 'enterprise mid_market';
const MID_SMALL = 'mid_market small_business';

// prettier-ignore
export const PARTNERS: PartnerSeed[] = [
  partner('Rheinwerk Systemhaus GmbH', 'platinum', 'DE AT CH', 'manufacturing energy public_sector', ENT_MID, 'storage networking cloud security analytics', 'Europe/Berlin'),
  partner('Nordlicht IT Solutions', 'gold', 'DE', 'financial_services healthcare retail', ENT_MID, 'cloud security collaboration analytics', 'Europe/Berlin'),
  partner('Bayern Datentechnik', 'silver', 'DE AT', 'manufacturing logistics', MID_SMALL, 'storage networking collaboration', 'Europe/Berlin'),
  partner('Elbe Cloud Partner', 'registered', 'DE', 'retail education', 'small_business', 'cloud collaboration', 'Europe/Berlin', { pausedForDays: 6 }),
  partner('Hanseatic Secure IT', 'gold', 'DE', 'financial_services public_sector', ENT_MID, 'security networking', 'Europe/Berlin'),
  partner('Lumière Informatique', 'platinum', 'FR BE LU', 'financial_services public_sector healthcare', ENT_MID, 'all', 'Europe/Paris'),
  partner('Groupe Azur Réseaux', 'gold', 'FR', 'retail logistics telecommunications', MID_SMALL, 'networking security collaboration', 'Europe/Paris'),
  partner('Atelier Numérique Lyon', 'silver', 'FR', 'manufacturing education', MID_SMALL, 'cloud storage analytics', 'Europe/Paris'),
  partner('Thames Digital Ltd', 'platinum', 'GB IE', 'financial_services retail media', ENT_MID, 'cloud analytics security storage collaboration', 'Europe/London'),
  partner('Pennine Networks', 'gold', 'GB', 'manufacturing public_sector education', MID_SMALL, 'networking security storage', 'Europe/London'),
  partner('Clydeside Data Services', 'silver', 'GB', 'energy healthcare', 'mid_market', 'analytics storage cloud', 'Europe/London'),
  partner('Old Harbour Systems', 'silver', 'GB', 'logistics', 'small_business', 'networking collaboration', 'Europe/London', { status: 'suspended' }),
  partner('Polder Tech BV', 'gold', 'NL BE', 'logistics healthcare public_sector', ENT_MID, 'storage networking security cloud', 'Europe/Amsterdam'),
  partner('Grachten IT', 'registered', 'NL', 'retail media', 'small_business', 'collaboration cloud analytics', 'Europe/Amsterdam'),
  partner('Iberia Sistemas', 'gold', 'ES PT', 'financial_services energy public_sector', ENT_MID, 'storage networking security cloud analytics', 'Europe/Madrid'),
  partner('Soluciones Mediterráneo', 'silver', 'ES', 'retail healthcare education', MID_SMALL, 'collaboration cloud networking', 'Europe/Madrid'),
  partner('Tevere Informatica', 'gold', 'IT', 'manufacturing financial_services healthcare', ENT_MID, 'storage networking security cloud analytics', 'Europe/Rome'),
  partner('Dolomiti Cloud', 'registered', 'IT', 'retail logistics', 'small_business', 'cloud collaboration', 'Europe/Rome'),
  partner('Fjord & Skog Data AB', 'gold', 'SE NO DK FI', 'energy manufacturing public_sector', ENT_MID, 'all', 'Europe/Stockholm'),
  partner('Wisła Systemy', 'silver', 'PL', 'manufacturing logistics', MID_SMALL, 'networking storage security cloud', 'Europe/Warsaw'),
  partner('Cascade Peak Technologies', 'platinum', 'US', 'healthcare media telecommunications', 'enterprise', 'cloud analytics security storage networking', 'America/Los_Angeles'),
  partner('Liberty Bridge Solutions', 'gold', 'US', 'financial_services public_sector', ENT_MID, 'security networking collaboration analytics', 'America/New_York'),
  partner('Lone Star Data Group', 'silver', 'US', 'energy manufacturing', 'mid_market', 'storage analytics cloud', 'America/Chicago'),
  partner('Great Lakes Integrators', 'registered', 'US CA', 'education retail', 'small_business', 'collaboration networking cloud', 'America/Detroit'),
  partner('Vantage Point Resellers', 'registered', 'US', 'retail', 'small_business', 'collaboration', 'America/Denver', { status: 'inactive' }),
  partner('Maple Grid Systems', 'gold', 'CA', 'financial_services public_sector energy', ENT_MID, 'storage networking security cloud analytics', 'America/Toronto'),
  partner('Boreal Networks', 'silver', 'CA', 'manufacturing logistics healthcare', MID_SMALL, 'networking collaboration security', 'America/Vancouver'),
  partner('Ipanema Tecnologia', 'gold', 'BR', 'financial_services retail energy', ENT_MID, 'cloud storage analytics security networking', 'America/Sao_Paulo'),
  partner('Serra Verde Sistemas', 'registered', 'BR', 'manufacturing healthcare', MID_SMALL, 'networking collaboration', 'America/Sao_Paulo'),
  partner('Azteca Soluciones Digitales', 'silver', 'MX', 'manufacturing retail logistics', MID_SMALL, 'networking cloud storage security', 'America/Mexico_City'),
  partner('Sakura Net Solutions', 'platinum', 'JP', 'manufacturing financial_services', 'enterprise', 'all', 'Asia/Tokyo'),
  partner('Kanto Data Works', 'silver', 'JP', 'retail healthcare', MID_SMALL, 'cloud collaboration analytics', 'Asia/Tokyo'),
  partner('Huaxia Cloud Partners', 'gold', 'CN', 'manufacturing retail energy', ENT_MID, 'cloud storage networking analytics security', 'Asia/Shanghai'),
  partner('Pudong Systems Integration', 'silver', 'CN', 'financial_services logistics', 'mid_market', 'networking security collaboration', 'Asia/Shanghai'),
  partner('Lotus Bridge Technologies', 'gold', 'IN AE', 'telecommunications financial_services healthcare', ENT_MID, 'cloud analytics security networking storage', 'Asia/Kolkata'),
  partner('Deccan Digital Services', 'registered', 'IN', 'education retail', 'small_business', 'collaboration cloud', 'Asia/Kolkata'),
  partner('Southern Cross IT', 'platinum', 'AU NZ', 'healthcare public_sector energy', ENT_MID, 'all', 'Australia/Sydney'),
  partner('Coral Coast Computing', 'registered', 'AU', 'retail education', 'small_business', 'collaboration cloud', 'Australia/Brisbane', { pausedForDays: 3 }),
  partner('Pars Data Systems', 'gold', 'IR', 'manufacturing energy financial_services', ENT_MID, 'storage networking security cloud', 'Asia/Tehran'),
  partner('Alborz Network Engineering', 'silver', 'IR', 'telecommunications healthcare', MID_SMALL, 'networking security collaboration', 'Asia/Tehran'),
  partner('Gulf Horizon Technologies', 'gold', 'AE SA QA', 'energy financial_services public_sector', 'enterprise', 'cloud security networking analytics storage', 'Asia/Dubai'),
  partner('Merlion Digital Pte Ltd', 'gold', 'SG MY ID', 'financial_services logistics retail', ENT_MID, 'all', 'Asia/Singapore'),
  partner('Table Mountain Tech', 'silver', 'ZA', 'energy retail healthcare', MID_SMALL, 'networking cloud storage security', 'Africa/Johannesburg'),
];
