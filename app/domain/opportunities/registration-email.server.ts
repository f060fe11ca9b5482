import { eq } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { opportunities } from '../../../db/schema';
import type { OpportunitySummary, Recipient } from '../../../emails/messages';
import type { Composed } from '../notifications/composed';

export interface RegistrationEmailRow {
  kind: 'registration_submitted' | 'registration_decided';
  to: string;
  recipient: Recipient;
  /** The recipient's company; null for vendor staff. */
  recipientPartnerId: number | null;
  /** The registering partner's name (the notification's partner). */
  partnerName: string;
  opportunity: OpportunitySummary;
  payload: Record<string, unknown>;
  createdAt: Date;
  url: (path: string) => string;
}

/**
 * The two deal-registration emails, from the notification row as composeNotificationEmail read it. The
 * decision goes only to the registering partner's own people; the submission only to vendor
 * staff. Neither carries anything about another partner.
 */
export async function composeRegistrationEmail(db: Database, row: RegistrationEmailRow): Promise<Composed> {
  const [opportunity] = await db
    .select({ registeredBy: opportunities.registeredByPartnerId })
    .from(opportunities)
    .where(eq(opportunities.id, row.opportunity.opportunityId));
  if (!opportunity || opportunity.registeredBy === null) {
    return { kind: 'skip', reason: 'The registration no longer exists.' };
  }
  const { recipient, opportunity: summary } = row;
  if (row.kind === 'registration_submitted') {
    if (row.recipientPartnerId !== null) {
      return { kind: 'skip', reason: 'Registrations to review go to channel managers only.' };
    }
    return {
      kind: 'message',
      to: row.to,
      message: {
        kind: 'registration_submitted',
        recipient,
        opportunity: summary,
        partnerName: row.partnerName,
        conflict: row.payload.conflict === true,
        registeredAt: row.createdAt,
        registrationsUrl: row.url('/registrations'),
      },
    };
  }
  if (row.recipientPartnerId === null || row.recipientPartnerId !== opportunity.registeredBy) {
    return { kind: 'skip', reason: 'The recipient does not belong to the partner that registered it.' };
  }
  const id = summary.opportunityId;
  const decision =
    row.payload.decision === 'approved'
      ? { outcome: 'approved' as const, leadUrl: row.url(`/leads/${id}`) }
      : {
          outcome: 'declined' as const,
          reason: typeof row.payload.reason === 'string' ? row.payload.reason : 'No reason was given.',
          registrationUrl: row.url(`/registrations/${id}`),
        };
  return {
    kind: 'message',
    to: row.to,
    message: {
      kind: 'registration_decided',
      recipient,
      opportunity: summary,
      decidedAt: row.createdAt,
      decision,
    },
  };
}
