import type { Database } from '../../db/client';
import { campaignAccounts, campaignPartners, campaigns } from '../../db/schema';
import { HOUR_MS } from '../../app/domain/clock';
import type { Outcome, PlanCampaign } from './plan';
import type { CustomerRow, PartnerRow } from './roster';

const DAY_MS = 24 * HOUR_MS;
const times = (n: number, outcome: Outcome): Outcome[] => Array.from({ length: n }, () => outcome);

interface CampaignSeed {
  name: string;
  goal: string;
  status: 'draft' | 'active' | 'completed';
  /** Days from now; negative is the past. */
  startsInDays: number;
  lastsDays: number;
  budgetMajor: number;
  currency: string;
  countries: string[];
  industries: string[];
  sizeSegments: string[];
  productLines: string[];
  joinedPartnersFirst: boolean;
  partners: Record<string, 'invited' | 'joined' | 'declined'>;
  /** The leads the campaign brings in, by how far each got. */
  outcomes: Outcome[];
}

const CAMPAIGNS: CampaignSeed[] = [
  {
    name: 'Secure Hybrid Cloud — DACH & Benelux',
    goal: 'Open 40 hybrid-cloud security conversations with manufacturers, hospitals and logistics firms',
    status: 'active',
    startsInDays: -45,
    lastsDays: 90,
    budgetMajor: 250_000,
    currency: 'EUR',
    countries: ['DE', 'AT', 'CH', 'NL', 'BE'],
    industries: ['manufacturing', 'healthcare', 'logistics'],
    sizeSegments: ['enterprise', 'mid_market'],
    productLines: ['security', 'cloud'],
    joinedPartnersFirst: true,
    partners: {
      'rheinwerk-systemhaus-gmbh': 'joined',
      'nordlicht-it-solutions': 'joined',
      'polder-tech-bv': 'joined',
      'bayern-datentechnik': 'invited',
      'hanseatic-secure-it': 'declined',
    },
    outcomes: [
      ...times(5, 'pending'),
      ...times(3, 'accepted'),
      ...times(4, 'contacted'),
      ...times(3, 'proposal'),
    ],
  },
  {
    name: 'Analytics Accelerator — North America',
    goal: 'Turn storage refreshes into analytics projects at 25 mid-sized and large accounts',
    status: 'completed',
    startsInDays: -160,
    lastsDays: 90,
    budgetMajor: 180_000,
    currency: 'USD',
    countries: ['US', 'CA'],
    industries: ['energy', 'manufacturing', 'financial_services', 'healthcare'],
    sizeSegments: ['enterprise', 'mid_market'],
    productLines: ['analytics', 'storage'],
    joinedPartnersFirst: false,
    partners: {
      'cascade-peak-technologies': 'joined',
      'lone-star-data-group': 'joined',
      'maple-grid-systems': 'joined',
      'liberty-bridge-solutions': 'declined',
    },
    outcomes: [...times(7, 'won'), ...times(5, 'lost')],
  },
  {
    name: 'Collaboration Everywhere — LATAM',
    goal: 'Cloud telephony and video for retail and healthcare chains in Brazil and Mexico',
    status: 'draft',
    startsInDays: 14,
    lastsDays: 90,
    budgetMajor: 90_000,
    currency: 'USD',
    countries: ['BR', 'MX'],
    industries: ['retail', 'healthcare'],
    sizeSegments: ['mid_market', 'small_business'],
    productLines: ['collaboration'],
    joinedPartnersFirst: false,
    partners: { 'serra-verde-sistemas': 'invited', 'azteca-soluciones-digitales': 'invited' },
    outcomes: [],
  },
];

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Joint campaigns with their partners and target accounts; returns what the planner needs. */
export async function insertCampaigns(
  db: Database,
  args: { realNow: number; coordinatorId: number; partners: PartnerRow[]; customers: CustomerRow[] },
): Promise<PlanCampaign[]> {
  const plans: PlanCampaign[] = [];
  for (const seed of CAMPAIGNS) {
    const startsAt = args.realNow + seed.startsInDays * DAY_MS;
    const endsAt = startsAt + seed.lastsDays * DAY_MS;
    const [campaign] = await db
      .insert(campaigns)
      .values({
        name: seed.name,
        goal: seed.goal,
        status: seed.status,
        startsOn: isoDate(startsAt),
        endsOn: isoDate(endsAt),
        budgetMinor: seed.budgetMajor * 100,
        currency: seed.currency,
        targetCountries: seed.countries,
        targetIndustries: seed.industries,
        targetSizeSegments: seed.sizeSegments,
        targetProductLines: seed.productLines,
        joinedPartnersFirst: seed.joinedPartnersFirst,
        coordinatorUserId: args.coordinatorId,
        createdAt: new Date(startsAt - 30 * DAY_MS),
      })
      .returning({ id: campaigns.id });
    const invitedAt = new Date(startsAt - 20 * DAY_MS);
    await db.insert(campaignPartners).values(
      Object.entries(seed.partners).map(([slug, status]) => ({
        campaignId: campaign!.id,
        partnerId: args.partners.find((p) => p.slug === slug)!.id,
        status,
        invitedAt,
        respondedAt: status === 'invited' ? null : new Date(invitedAt.getTime() + 3 * DAY_MS),
      })),
    );
    const accounts = args.customers.filter(
      (c) => seed.countries.includes(c.country) && seed.industries.includes(c.industry) && !c.ownerPartnerId,
    );
    await db.insert(campaignAccounts).values(
      accounts.map((c) => ({
        campaignId: campaign!.id,
        customerId: c.id,
        addedAt: new Date(startsAt - 10 * DAY_MS),
      })),
    );
    plans.push({
      id: campaign!.id,
      customerIds: accounts.map((c) => c.id),
      productLines: seed.productLines,
      startsAt,
      endsAt,
      outcomes: seed.outcomes,
    });
  }
  return plans;
}
