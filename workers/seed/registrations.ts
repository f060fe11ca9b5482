import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import {
  approveRegistration,
  registerOpportunity,
  type RegistrationInput,
} from '../../app/domain/opportunities/registration.server';

/**
 * Deal registrations for the demo, through the real domain: one approved a week ago, one waiting,
 * and one waiting with a conflict (a company another partner holds an open lead for, typed again
 * under another spelling of its domain), so the managers' page shows the flag.
 */
export async function insertRegistrations(
  db: Database,
  cast: { managerId: number; repByPartner: Map<number, number>; realNow: number },
) {
  const rows = (await db.execute(sql`
    SELECT o.accepted_partner_id AS holder, c.name, c.domain, c.country::text AS country, c.industry,
           c.size_segment
    FROM opportunities o JOIN customers c ON c.id = o.customer_id
    WHERE o.status IN ('accepted', 'contacted', 'proposal') AND c.domain IS NOT NULL
    ORDER BY o.id LIMIT 1`)) as unknown as {
    holder: number;
    name: string;
    domain: string;
    country: string;
    industry: string;
    size_segment: 'enterprise' | 'mid_market' | 'small_business';
  }[];
  const registrants = [...cast.repByPartner.entries()].filter(([partnerId]) => partnerId !== rows[0]?.holder);
  if (registrants.length < 3) return;
  const at = (daysAgo: number) => new ManualClock(cast.realNow - daysAgo * 24 * HOUR_MS);
  const register = async (
    index: number,
    customer: Omit<Extract<RegistrationInput['customer'], { kind: 'new' }>, 'kind'>,
    need: string,
    daysAgo: number,
  ) => {
    const [partnerId, repId] = registrants[index]!;
    return withContact(
      db,
      await registerOpportunity(
        db,
        { partnerId },
        repId,
        {
          customer: { kind: 'new', ...customer },
          need,
          productLine: 'storage',
          valueMinor: 4_800_000,
          currency: 'EUR',
        },
        at(daysAgo),
      ),
    );
  };
  const approved = await register(
    0,
    { name: 'Fjordline Logistikk AS', country: 'NO', industry: 'logistics', sizeSegment: 'mid_market' },
    'Backup appliance for two depots',
    9,
  );
  await approveRegistration(db, { opportunityId: approved.opportunityId, userId: cast.managerId }, at(8));
  await register(
    1,
    { name: 'Atelier Lumière SARL', country: 'FR', industry: 'retail', sizeSegment: 'small_business' },
    'Shop storage refresh before the holiday season',
    1,
  );
  const contested = rows[0];
  if (contested) {
    await register(
      2,
      {
        name: contested.name,
        domain: `www.${contested.domain}`,
        country: contested.country,
        industry: contested.industry,
        sizeSegment: contested.size_segment,
      },
      'Second site storage, registered by another partner',
      0,
    );
  }
}

/** Every demo customer has someone to call; a partner registering one knows who that is. */
async function withContact<T extends { opportunityId: number }>(db: Database, answer: T) {
  await db.execute(sql`
    INSERT INTO contacts (customer_id, name, title, email, consent_to_contact)
    SELECT customer_id, 'Purchasing desk', 'Purchasing', 'purchasing@' || coalesce(c.domain_key, 'example.com'), true
    FROM opportunities o JOIN customers c ON c.id = o.customer_id
    WHERE o.id = ${answer.opportunityId}`);
  return answer;
}
