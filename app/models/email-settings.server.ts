import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';

/** A channel manager's choice: every unroutable and accepted lead by email, or the digest alone. */
export const EMAIL_DELIVERIES = ['each', 'digest'] as const;
export type EmailDelivery = (typeof EMAIL_DELIVERIES)[number];

export const emailSettingsSchema = z.object({
  delivery: z.enum(EMAIL_DELIVERIES, { error: 'Choose how you want to hear about leads.' }),
});

/** The user's own choice; scoped by construction to the signed-in user's id. */
export async function getEmailDelivery(db: Database, { userId }: { userId: number }): Promise<EmailDelivery> {
  const [row] = await db
    .select({ digestOnly: users.emailDigestOnly })
    .from(users)
    .where(eq(users.id, userId));
  return row?.digestOnly ? 'digest' : 'each';
}

/** Applies to emails fanned out from now on; rows already made for this user are still sent. */
export async function setEmailDelivery(
  db: Database,
  { userId, delivery }: { userId: number; delivery: EmailDelivery },
): Promise<void> {
  await db
    .update(users)
    .set({ emailDigestOnly: delivery === 'digest' })
    .where(eq(users.id, userId));
}
