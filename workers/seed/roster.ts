import type { Database } from '../../db/client';
import { contacts, customers, partners, users } from '../../db/schema';
import { CUSTOMERS } from './customers-data';
import { PARTNERS } from './partners-data';
import { CONTACT_TITLES, personFrom, phoneIn } from './people';
import type { Random } from './random';

export type PartnerRow = typeof partners.$inferSelect;
export type CustomerRow = typeof customers.$inferSelect;

export const STAFF = [
  { email: 'admin@baton.test', name: 'Morgan Ellis', role: 'admin', timezone: 'UTC' },
  { email: 'manager@baton.test', name: 'Priya Raman', role: 'channel_manager', timezone: 'Europe/London' },
  {
    email: 'coordinator@baton.test',
    name: 'Jonas Weber',
    role: 'campaign_coordinator',
    timezone: 'Europe/Amsterdam',
  },
] as const;

export async function insertPartners(db: Database, since: Date): Promise<PartnerRow[]> {
  return db
    .insert(partners)
    .values(PARTNERS.map(({ pausedForDays: _paused, ...p }) => ({ ...p, createdAt: since })))
    .returning();
}

export interface Roster {
  adminId: number;
  managerId: number;
  coordinatorId: number;
  repByPartner: Map<number, number>;
}

/** The vendor's staff, and a rep and an admin at every partner: `rep@<slug>.test`, `admin@<slug>.test`. */
export async function insertUsers(
  db: Database,
  partnerRows: PartnerRow[],
  passwordHash: string,
  random: Random,
  since: Date,
): Promise<Roster> {
  const staff = await db
    .insert(users)
    .values(STAFF.map((s) => ({ ...s, passwordHash, createdAt: since })))
    .returning({ id: users.id, role: users.role });
  const partnerUsers = partnerRows.flatMap((p) =>
    (['rep', 'admin'] as const).map((kind) => ({
      email: `${kind}@${p.slug}.test`,
      name: personFrom(p.countries[0]!, random).name,
      role: kind === 'rep' ? ('partner_rep' as const) : ('partner_admin' as const),
      partnerId: p.id,
      passwordHash,
      timezone: p.timezone,
      createdAt: since,
    })),
  );
  const rows = await db
    .insert(users)
    .values(partnerUsers)
    .returning({ id: users.id, role: users.role, partnerId: users.partnerId });
  const idOf = (role: string) => staff.find((s) => s.role === role)!.id;
  return {
    adminId: idOf('admin'),
    managerId: idOf('channel_manager'),
    coordinatorId: idOf('campaign_coordinator'),
    repByPartner: new Map(rows.filter((r) => r.role === 'partner_rep').map((r) => [r.partnerId!, r.id])),
  };
}

const REVENUE_POTENTIAL = { enterprise: ['A', 'B'], mid_market: ['B', 'C'], small_business: ['C', 'D'] };

/** Customer records with one or two contacts each, named in the customer's own script. */
export async function insertCustomers(
  db: Database,
  partnerRows: PartnerRow[],
  random: Random,
  since: Date,
): Promise<CustomerRow[]> {
  const partnerIdBySlug = new Map(partnerRows.map((p) => [p.slug, p.id]));
  const rows = await db
    .insert(customers)
    .values(
      CUSTOMERS.map(({ ownerSlug, ...c }) => ({
        ...c,
        revenuePotential: random.pick(REVENUE_POTENTIAL[c.sizeSegment]),
        ownerPartnerId: ownerSlug ? partnerIdBySlug.get(ownerSlug)! : null,
        createdAt: since,
      })),
    )
    .returning();
  const people = rows.flatMap((customer) =>
    Array.from({ length: random.int(1, 2) }, () => {
      const person = personFrom(customer.country, random);
      return {
        customerId: customer.id,
        name: person.name,
        title: random.pick(CONTACT_TITLES),
        email: `${person.handle}@${customer.domain}`,
        phone: phoneIn(customer.country, random),
        consentToContact: random.chance(0.75),
        createdAt: since,
      };
    }),
  );
  await db.insert(contacts).values(people);
  return rows;
}
