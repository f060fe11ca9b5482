import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Executor } from '../../../db/client';
import { contacts, contactViews, customers } from '../../../db/schema';
import { REVENUE_POTENTIALS, SIZE_SEGMENTS } from '../../../db/enums';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import type { PartnerScope } from '../partner-scope';
import { asciiFormOf, parseWebDomain } from './web-domain';

const optionalText = (max: number) =>
  z
    .string({ error: 'Must be text.' })
    .trim()
    .max(max, `At most ${max} characters.`)
    .optional()
    .transform((s) => (s ? s : undefined));

/**
 * What was typed as a web domain: a bare domain, in ASCII or not ("zürich-versicherung.ch"), or
 * a pasted address with scheme, www. and a path. The host alone is kept; duplicates are matched
 * on its ASCII form either way.
 */
const domainField = z
  .string({ error: 'Must be text.' })
  .trim()
  .max(253, 'At most 253 characters.')
  .optional()
  .transform((typed, context) => {
    if (!typed) return undefined;
    const parsed = parseWebDomain(typed);
    if (parsed.ok) return parsed.domain;
    context.addIssue({
      code: 'custom',
      message:
        'Enter a web domain such as example.com or zürich-versicherung.ch (an address such as https://www.example.com/ also works).',
    });
    return z.NEVER;
  });

/** A new customer record, from a form or an API. */
export const newCustomerRecordSchema = z.object({
  name: z
    .string({ error: 'Enter the company name.' })
    .trim()
    .min(2, 'Enter the company name (at least 2 characters).')
    .max(200, 'At most 200 characters.'),
  domain: domainField,
  country: z
    .string({ error: 'Enter a two-letter country code such as DE.' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Enter a two-letter country code such as DE.'),
  industry: z
    .string({ error: 'Enter the industry.' })
    .trim()
    .min(1, 'Enter the industry.')
    .max(100, 'At most 100 characters.'),
  sizeSegment: z.enum(SIZE_SEGMENTS, { error: 'Choose a size segment.' }),
  revenuePotential: z.enum(REVENUE_POTENTIALS, { error: 'Choose a revenue potential from A to D.' }),
  address: optionalText(500),
});
export type NewCustomerRecord = z.output<typeof newCustomerRecordSchema>;

/**
 * Saves a customer record. `ownerPartnerId` null: the vendor's own; a partner's user always
 * saves for its own partner (the caller passes the scope's partner, never a typed one).
 */
export async function createCustomerRecord(
  db: Executor,
  input: { record: NewCustomerRecord; ownerPartnerId: number | null; createdByUserId: number | null },
): Promise<{ customerId: number }> {
  const { record } = input;
  const [row] = await db
    .insert(customers)
    .values({
      name: record.name,
      domain: record.domain ?? null,
      domainAscii: asciiFormOf(record.domain),
      country: record.country,
      industry: record.industry,
      sizeSegment: record.sizeSegment,
      revenuePotential: record.revenuePotential,
      address: record.address ?? null,
      ownerPartnerId: input.ownerPartnerId,
      createdByUserId: input.createdByUserId,
    })
    .returning({ id: customers.id });
  return { customerId: row!.id };
}

export const newContactSchema = z.object({
  name: z
    .string({ error: 'Enter the contact’s name.' })
    .trim()
    .min(1, 'Enter the contact’s name.')
    .max(200, 'At most 200 characters.'),
  title: optionalText(200),
  email: optionalText(254).pipe(z.email('Enter an email address such as name@example.com.').optional()),
  phone: optionalText(50).pipe(
    z
      .string()
      .regex(/^[+()\d\s./-]{3,50}$/, 'Enter a phone number of digits, spaces, + ( ) - . /')
      .optional(),
  ),
  consentToContact: z.boolean(),
});
export type NewContact = z.output<typeof newContactSchema>;

/** Whether the partner contributed this live record: the records a partner may change. */
export async function contributedBy(db: Executor, scope: PartnerScope, customerId: number): Promise<boolean> {
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(
      and(
        eq(customers.id, customerId),
        isNull(customers.mergedIntoId),
        eq(customers.ownerPartnerId, scope.partnerId),
      ),
    );
  return rows.length > 0;
}

/**
 * Adds a contact to a record the editor may change: vendor staff (null) any live record; a
 * partner only the records it contributed. Anything else is simply not found.
 */
export async function addContact(
  db: Database,
  input: { customerId: number; editor: PartnerScope | null; contact: NewContact },
): Promise<{ contactId: number }> {
  const [target] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(
      and(
        eq(customers.id, input.customerId),
        isNull(customers.mergedIntoId),
        input.editor ? eq(customers.ownerPartnerId, input.editor.partnerId) : undefined,
      ),
    );
  if (!target) throw notFound('Customer', input.customerId);
  const { contact } = input;
  const [row] = await db
    .insert(contacts)
    .values({
      customerId: target.id,
      name: contact.name,
      title: contact.title ?? null,
      email: contact.email ?? null,
      phone: contact.phone ?? null,
      consentToContact: contact.consentToContact,
    })
    .returning({ id: contacts.id });
  return { contactId: row!.id };
}

/**
 * A partner's user was shown a customer's contacts. Partners hold customer data under
 * confidentiality, so every such view is kept; vendor staff views are not (callers only call
 * this for partner users).
 */
export async function recordContactView(
  db: Executor,
  input: { customerId: number; userId: number; partnerId: number },
  clock: Clock,
): Promise<void> {
  await db.insert(contactViews).values({ ...input, viewedAt: clock.now() });
}

/** Whether a customer id exists at all, merged or not: a foreign id (logged) from a mistyped one. */
export async function customerExists(db: Executor, customerId: number): Promise<boolean> {
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(sql`${customers.id} = ${customerId}`);
  return rows.length > 0;
}
