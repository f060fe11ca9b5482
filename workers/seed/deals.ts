import type { DECLINE_REASONS } from '../../db/enums';
import type { SizeSegment } from './partners-data';
import type { Random } from './random';

export type DeclineReason = (typeof DECLINE_REASONS)[number];

const NEEDS: Record<string, string[]> = {
  storage: [
    'Replace an ageing SAN before vendor support ends',
    'Tiered storage for a fast-growing imaging archive',
    'Immutable backups and snapshots against ransomware',
    'Consolidate four file servers onto one platform',
  ],
  networking: [
    'Campus network refresh across three sites',
    'SD-WAN for 40 branch offices',
    'Wi-Fi 6E for a new distribution centre',
    'Data-centre switching upgrade to 100G',
  ],
  security: [
    'Zero-trust access for 600 remote staff',
    'Managed detection and response, around the clock',
    'Firewall consolidation after an acquisition',
    'Email security and phishing awareness programme',
  ],
  cloud: [
    'Move the ERP to a hybrid cloud',
    'Landing zone and FinOps for a multi-cloud estate',
    'Disaster recovery site in the cloud',
    'Private cloud for regulated workloads',
  ],
  analytics: [
    'Sales dashboards on a shared data platform',
    'Predictive maintenance from production-line sensors',
    'Data warehouse modernisation',
    'Customer churn model and monthly reporting',
  ],
  collaboration: [
    'Video conferencing for 25 meeting rooms',
    'Contact-centre platform for 120 agents',
    'Replace the legacy PBX with cloud telephony',
    'Intranet and team workspaces roll-out',
  ],
};

export const needFor = (productLine: string, random: Random) => random.pick(NEEDS[productLine]!);

/** Deal currency by customer country; the vendor quotes in euros or dollars elsewhere. */
// prettier-ignore
const CURRENCY_OF: Record<string, string> = {
  GB: 'GBP', CH: 'CHF', SE: 'SEK', PL: 'PLN', US: 'USD', CA: 'CAD', BR: 'BRL', MX: 'MXN', JP: 'JPY',
  CN: 'CNY', IN: 'INR', AU: 'AUD', SG: 'SGD', AE: 'AED', ZA: 'ZAR', KE: 'USD', NG: 'USD', AR: 'USD',
  SA: 'USD', QA: 'USD', MY: 'USD', ID: 'USD', NZ: 'AUD',
};

/** Rough units per euro, and the minor-unit exponent (the yen has no minor unit). */
const RATES: Record<string, { perEuro: number; exponent: number }> = {
  EUR: { perEuro: 1, exponent: 2 },
  GBP: { perEuro: 0.85, exponent: 2 },
  CHF: { perEuro: 0.95, exponent: 2 },
  SEK: { perEuro: 11.5, exponent: 2 },
  PLN: { perEuro: 4.3, exponent: 2 },
  USD: { perEuro: 1.08, exponent: 2 },
  CAD: { perEuro: 1.47, exponent: 2 },
  BRL: { perEuro: 5.9, exponent: 2 },
  MXN: { perEuro: 19, exponent: 2 },
  JPY: { perEuro: 165, exponent: 0 },
  CNY: { perEuro: 7.8, exponent: 2 },
  INR: { perEuro: 90, exponent: 2 },
  AUD: { perEuro: 1.65, exponent: 2 },
  SGD: { perEuro: 1.45, exponent: 2 },
  AED: { perEuro: 3.97, exponent: 2 },
  ZAR: { perEuro: 20, exponent: 2 },
};

const EURO_RANGE: Record<SizeSegment, [number, number]> = {
  enterprise: [120_000, 1_500_000],
  mid_market: [25_000, 250_000],
  small_business: [4_000, 40_000],
};

/** A deal value in the customer's currency, in minor units, rounded to hundreds. */
export function dealValue(country: string, segment: SizeSegment, random: Random) {
  const currency = CURRENCY_OF[country] ?? 'EUR';
  const { perEuro, exponent } = RATES[currency]!;
  const [low, high] = EURO_RANGE[segment];
  const major = Math.round((random.between(low, high) * perEuro) / 100) * 100;
  return { currency, valueMinor: major * 10 ** exponent };
}

const DECLINE_NOTES: Record<DeclineReason, string> = {
  no_capacity: 'Team fully booked until next quarter',
  outside_expertise: 'We have no certified engineers for this product line',
  outside_territory: 'The customer site is outside our service area',
  customer_known_bad_fit: 'We worked with them before; it did not go well',
  deal_too_small: 'Below our minimum engagement size',
  conflict_of_interest: 'We already work for a direct competitor of this customer',
  other: 'Our account manager for this region is on leave',
};

export function declineFor(random: Random): { reason: DeclineReason; note: string | null } {
  const reason = random.pick(Object.keys(DECLINE_NOTES) as DeclineReason[]);
  return { reason, note: random.chance(0.6) ? DECLINE_NOTES[reason] : null };
}

export const LOST_REASONS = [
  'Chose a competitor on price',
  'Budget frozen until next fiscal year',
  'Project cancelled after a merger',
  'Customer stayed with the incumbent supplier',
  'No decision: the sponsor left the company',
  'Went with a cloud-native alternative',
];
