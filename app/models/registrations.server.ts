import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  campaignPartners,
  campaigns,
  customers,
  opportunities,
  opportunityEvents,
  partners,
  users,
} from '../../db/schema';
import { formatMoney } from '../domain/money';
import { CONFLICT_NOTICE, partnersWorkingCustomer } from '../domain/opportunities/registration.server';
import { formatInZone } from './inbox.server';
import { LEAD_STATUSES, STATUS_LABELS } from './leads.server';

export const REGISTRATIONS_SHOWN = 200;
export const OWN_CUSTOMERS_SHOWN = 500;

/** The reason a channel manager gave, from the timeline: the registration row has no column for it. */
const declineReason = sql<string | null>`(
  SELECT e.detail->>'reason' FROM ${opportunityEvents} e
  WHERE e.opportunity_id = ${opportunities.id} AND e.kind = 'registration_declined'
  ORDER BY e.id DESC LIMIT 1)`;

/** What a partner sees of its own registration: its own facts, never anything of another company. */
const partnerColumns = {
  opportunityId: opportunities.id,
  status: opportunities.status,
  acceptedPartnerId: opportunities.acceptedPartnerId,
  conflict: opportunities.registrationConflict,
  need: opportunities.need,
  productLine: opportunities.productLine,
  valueMinor: opportunities.valueMinor,
  currency: opportunities.currency,
  createdAt: opportunities.createdAt,
  updatedAt: opportunities.updatedAt,
  customerName: customers.name,
  campaignName: campaigns.name,
  declineReason,
};

/** The company's registrations, newest first. */
export function getPartnerRegistrations(db: Database, { partnerId }: { partnerId: number }) {
  return db
    .select(partnerColumns)
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
    .where(eq(opportunities.registeredByPartnerId, partnerId))
    .orderBy(desc(opportunities.createdAt), desc(opportunities.id))
    .limit(REGISTRATIONS_SHOWN);
}

/** One of the company's registrations; null for another company's or none. */
export async function getPartnerRegistration(
  db: Database,
  { opportunityId, partnerId }: { opportunityId: number; partnerId: number },
) {
  const [row] = await db
    .select(partnerColumns)
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
    .where(and(eq(opportunities.id, opportunityId), eq(opportunities.registeredByPartnerId, partnerId)));
  return row ?? null;
}

export type PartnerRegistration = NonNullable<Awaited<ReturnType<typeof getPartnerRegistration>>>;

/** Where the registration stands, in the partner's words. */
export function partnerStatusLabel(
  row: Pick<PartnerRegistration, 'status' | 'acceptedPartnerId'>,
  partnerId: number,
) {
  if (row.status === 'registered') return 'Awaiting a decision';
  if (row.status === 'registration_declined') return 'Declined';
  if (row.acceptedPartnerId === partnerId && (LEAD_STATUSES as readonly string[]).includes(row.status)) {
    return `Approved · ${STATUS_LABELS[row.status] ?? row.status}`;
  }
  return 'Approved; no longer your lead';
}

/** The registration is the company's lead now: My leads has it. */
export function isOwnLead(row: Pick<PartnerRegistration, 'status' | 'acceptedPartnerId'>, partnerId: number) {
  return row.acceptedPartnerId === partnerId && (LEAD_STATUSES as readonly string[]).includes(row.status);
}

const managerColumns = {
  opportunityId: opportunities.id,
  status: opportunities.status,
  conflict: opportunities.registrationConflict,
  need: opportunities.need,
  productLine: opportunities.productLine,
  valueMinor: opportunities.valueMinor,
  currency: opportunities.currency,
  country: opportunities.country,
  createdAt: opportunities.createdAt,
  customerId: customers.id,
  customerName: customers.name,
  customerDomain: customers.domain,
  partnerId: partners.id,
  partnerName: partners.name,
  registeredByName: users.name,
  campaignName: campaigns.name,
  declineReason,
};

function managerQuery(db: Database) {
  return db
    .select(managerColumns)
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .innerJoin(partners, eq(partners.id, opportunities.registeredByPartnerId))
    .leftJoin(users, eq(users.id, opportunities.createdByUserId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId));
}

type ManagerRow = Awaited<ReturnType<ReturnType<typeof managerQuery>['execute']>>[number];

/** The vendor may know who else works the account, as it is now (not only at registration). */
async function withWorkingPartners(db: Database, rows: ManagerRow[]) {
  return Promise.all(
    rows.map(async (row) => ({
      ...row,
      workingPartners: await partnersWorkingCustomer(db, {
        customerId: row.customerId,
        exceptPartnerId: row.partnerId,
      }),
    })),
  );
}

/** Registrations awaiting a decision, oldest first: the channel managers' work list. */
export async function getRegistrationsAwaitingDecision(db: Database) {
  const rows = await managerQuery(db)
    .where(eq(opportunities.status, 'registered'))
    .orderBy(asc(opportunities.createdAt), asc(opportunities.id))
    .limit(REGISTRATIONS_SHOWN);
  return withWorkingPartners(db, rows);
}

/** Registrations decided lately, newest first, so a manager sees what was just done. */
export function getRecentlyDecidedRegistrations(db: Database, limit = 20) {
  return managerQuery(db)
    .where(and(isNotNull(opportunities.registeredByPartnerId), ne(opportunities.status, 'registered')))
    .orderBy(desc(opportunities.updatedAt), desc(opportunities.id))
    .limit(limit);
}

/** Any registration, for vendor staff; null when the id is not a registration. */
export async function getRegistrationForManager(db: Database, opportunityId: number) {
  const [row] = await managerQuery(db).where(
    and(eq(opportunities.id, opportunityId), isNotNull(opportunities.registeredByPartnerId)),
  );
  if (!row) return null;
  const [withPartners] = await withWorkingPartners(db, [row]);
  return withPartners!;
}

/** Whether a registration with this id exists at all: tells a foreign id (logged) from a mistyped one. */
export async function registrationExists(db: Database, opportunityId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: opportunities.id })
    .from(opportunities)
    .where(and(eq(opportunities.id, opportunityId), isNotNull(opportunities.registeredByPartnerId)));
  return row !== undefined;
}

/** The customer records the company contributed: the ones it may register for. */
export function getOwnCustomers(db: Database, { partnerId }: { partnerId: number }) {
  return db
    .select({
      id: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
    })
    .from(customers)
    .where(and(eq(customers.ownerPartnerId, partnerId), isNull(customers.mergedIntoId)))
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(OWN_CUSTOMERS_SHOWN);
}

/** Running campaigns the company joined: a registration may belong to one. */
export function getJoinedCampaigns(db: Database, { partnerId }: { partnerId: number }) {
  return db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaignPartners)
    .innerJoin(campaigns, eq(campaigns.id, campaignPartners.campaignId))
    .where(
      and(
        eq(campaignPartners.partnerId, partnerId),
        eq(campaignPartners.status, 'joined'),
        inArray(campaigns.status, ['draft', 'active']),
      ),
    )
    .orderBy(asc(campaigns.name));
}

/** Badge class of a registration's status. */
function statusBadge(status: string): string {
  if (status === 'registered') return 'badge badge--registered';
  if (status === 'registration_declined') return 'badge badge--declined';
  return 'badge badge--approved';
}

/**
 * One registration as the registering partner's pages show it: strings only, and nothing of
 * any other company. A flagged one carries the conflict notice, word for word, and no more.
 */
export function partnerRegistrationView(row: PartnerRegistration, partnerId: number, timeZone: string) {
  return {
    opportunityId: row.opportunityId,
    status: row.status,
    statusLabel: partnerStatusLabel(row, partnerId),
    statusClass: statusBadge(row.status),
    conflictNotice: row.conflict ? CONFLICT_NOTICE : null,
    declineReason:
      row.status === 'registration_declined' ? (row.declineReason ?? 'No reason was given.') : null,
    leadUrl: isOwnLead(row, partnerId) ? `/leads/${row.opportunityId}` : null,
    customerName: row.customerName,
    need: row.need,
    productLine: row.productLine,
    value: formatMoney(row.valueMinor, row.currency),
    campaignName: row.campaignName,
    registeredAt: row.createdAt.toISOString(),
    registered: formatInZone(row.createdAt, timeZone),
  };
}

type ManagerRegistration = ManagerRow & { workingPartners?: { id: number; name: string }[] };

/** One registration as vendor staff see it: who registered it and who else works the account. */
export function managerRegistrationView(row: ManagerRegistration, timeZone: string) {
  return {
    opportunityId: row.opportunityId,
    status: row.status,
    statusLabel:
      row.status === 'registered'
        ? 'Awaiting a decision'
        : row.status === 'registration_declined'
          ? 'Declined'
          : 'Approved',
    statusClass: statusBadge(row.status),
    awaitingDecision: row.status === 'registered',
    conflictFlagged: row.conflict,
    workingPartners: (row.workingPartners ?? []).map((p) => p.name),
    declineReason:
      row.status === 'registration_declined' ? (row.declineReason ?? 'No reason was given.') : null,
    partnerName: row.partnerName,
    registeredByName: row.registeredByName ?? 'a partner user',
    customerName: row.customerName,
    customerDomain: row.customerDomain,
    need: row.need,
    productLine: row.productLine,
    value: formatMoney(row.valueMinor, row.currency),
    country: row.country,
    campaignName: row.campaignName,
    registeredAt: row.createdAt.toISOString(),
    registered: formatInZone(row.createdAt, timeZone),
  };
}

export type PartnerRegistrationView = ReturnType<typeof partnerRegistrationView>;
export type ManagerRegistrationView = ReturnType<typeof managerRegistrationView>;
