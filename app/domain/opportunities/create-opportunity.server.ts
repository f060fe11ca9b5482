import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../db/client';
import { customers, opportunities } from '../../../db/schema';
import { OPPORTUNITY_SOURCES, SIZE_SEGMENTS } from '../../../db/enums';
import type { Clock } from '../clock';
import { invalidInput, notFound } from '../errors';
import { isCurrency } from '../money';
import { recordEvent } from '../side-effects.server';
import { inTransaction } from '../transaction.server';

export const newOpportunitySchema = z.object({
  customerId: z.number().int().positive(),
  need: z.string().trim().min(3, 'describe the need in a few words').max(2000),
  productLine: z.string().trim().min(1, 'required').max(100),
  valueMinor: z.number().int('whole minor units').min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().refine(isCurrency, 'an active ISO 4217 currency code such as EUR'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter ISO country code such as DE')
    .optional(),
  industry: z.string().trim().min(1).max(100).optional(),
  sizeSegment: z.enum(SIZE_SEGMENTS).optional(),
  source: z.enum(OPPORTUNITY_SOURCES).default('form'),
  campaignId: z.number().int().positive().nullable().default(null),
  createdByUserId: z.number().int().positive().nullable().default(null),
});
export type NewOpportunity = z.input<typeof newOpportunitySchema>;

/**
 * Records a new opportunity waiting for routing. Country, industry and segment default to the
 * customer's. The caller routes it (routeAndSchedule) once this has committed.
 */
export async function createOpportunity(db: Database, input: NewOpportunity, clock: Clock) {
  const parsed = newOpportunitySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(String(issue.path[0] ?? 'input'), issue.message);
  }
  const data = parsed.data;
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [customer] = await tx.select().from(customers).where(eq(customers.id, data.customerId));
    if (!customer) throw notFound('Customer', data.customerId);
    const [row] = await tx
      .insert(opportunities)
      .values({
        customerId: customer.id,
        need: data.need,
        productLine: data.productLine,
        valueMinor: data.valueMinor,
        currency: data.currency,
        country: data.country ?? customer.country,
        industry: data.industry ?? customer.industry,
        sizeSegment: data.sizeSegment ?? customer.sizeSegment,
        source: data.source,
        campaignId: data.campaignId,
        createdByUserId: data.createdByUserId,
        status: 'new',
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: opportunities.id });
    await recordEvent(tx, {
      opportunityId: row!.id,
      kind: 'created',
      at: now,
      actorUserId: data.createdByUserId,
      detail: { source: data.source },
    });
    return { opportunityId: row!.id };
  });
}
