import type { PartnerScope } from '../partner-scope';
import { z } from 'zod';
import type { Database } from '../../../db/client';
import type { OPPORTUNITY_STATUSES } from '../../../db/enums';
import type { Clock } from '../clock';
import { invalidInput, notFound, type DomainError } from '../errors';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';

type OpportunityStatus = (typeof OPPORTUNITY_STATUSES)[number];

/** The sales stages a partner moves its accepted lead through, in order. */
export const LEAD_STAGES = ['contacted', 'proposal', 'won', 'lost'] as const;
export type LeadStage = (typeof LEAD_STAGES)[number];

export const LOST_REASONS = ['price', 'timing', 'competitor', 'no_budget', 'no_decision', 'other'] as const;
export type LostReason = (typeof LOST_REASONS)[number];

export const LOST_REASON_LABELS: Record<LostReason, string> = {
  price: 'Price',
  timing: 'Timing',
  competitor: 'Went with a competitor',
  no_budget: 'No budget',
  no_decision: 'No decision made',
  other: 'Other',
};

/**
 * Where each stage may be reached from. Stages only move forward and won/lost are final:
 * a closed lead has already given its capacity unit back and counted in the win rate.
 */
const ALLOWED_FROM: Record<LeadStage, readonly OpportunityStatus[]> = {
  contacted: ['accepted'],
  proposal: ['accepted', 'contacted'],
  won: ['accepted', 'contacted', 'proposal'],
  lost: ['accepted', 'contacted', 'proposal'],
};

const STAGE_ORDER: readonly OpportunityStatus[] = ['accepted', 'contacted', 'proposal', 'won', 'lost'];

/** Empty form fields arrive as '' or null; they mean "not given". */
const blankAsAbsent = (value: unknown) => (value === '' || value === null ? undefined : value);

/**
 * What a partner submits to move a lead on. Form and API input alike: the amount is already in
 * integer minor units (the route converts what the user typed). Wrong combinations are refused
 * with the field they concern, so a form can show the reason beside it.
 */
export const leadStageInputSchema = z
  .object({
    stage: z.enum(LEAD_STAGES, { error: () => `choose one of: ${LEAD_STAGES.join(', ')}` }),
    wonValueMinor: z.preprocess(
      blankAsAbsent,
      z
        .number({ error: 'a whole amount in minor units' })
        .int('a whole amount in minor units')
        .min(0, 'cannot be negative')
        .optional(),
    ),
    lostReason: z.preprocess(
      blankAsAbsent,
      z.enum(LOST_REASONS, { error: () => `choose one of: ${LOST_REASONS.join(', ')}` }).optional(),
    ),
    lostNote: z.preprocess(
      blankAsAbsent,
      z.string({ error: 'must be text' }).trim().max(2000, 'at most 2000 characters').optional(),
    ),
  })
  .superRefine((input, ctx) => {
    if (input.stage === 'won' && input.wonValueMinor === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['wonValueMinor'],
        message: 'a won lead needs the amount it was won for',
      });
    }
    if (input.stage !== 'won' && input.wonValueMinor !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['wonValueMinor'], message: 'only a won lead has a won amount' });
    }
    if (input.stage === 'lost' && input.lostReason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'a lost lead needs a reason' });
    }
    if (input.stage !== 'lost' && input.lostReason !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'only a lost lead has a lost reason' });
    }
    if (input.stage !== 'lost' && input.lostNote !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['lostNote'], message: 'only a lost lead has a note on why' });
    }
  })
  .transform((input): LeadStageChange => {
    if (input.stage === 'won') return { stage: 'won', wonValueMinor: input.wonValueMinor! };
    if (input.stage === 'lost') {
      return { stage: 'lost', lostReason: input.lostReason!, lostNote: input.lostNote || null };
    }
    return { stage: input.stage };
  });

export type LeadStageChange =
  | { stage: 'contacted' | 'proposal' }
  | { stage: 'won'; wonValueMinor: number }
  | { stage: 'lost'; lostReason: LostReason; lostNote: string | null };

export interface LeadStageInput {
  opportunityId: number;
  stage: unknown;
  wonValueMinor?: unknown;
  lostReason?: unknown;
  /** Optional free text beside a lost reason; kept on the timeline event. */
  lostNote?: unknown;
  /** The partner user moving the lead; null when it comes from elsewhere (seed, API, tests). */
  userId: number | null;
  scope?: PartnerScope;
}

export interface LeadStageResult {
  opportunityId: number;
  partnerId: number;
  from: OpportunityStatus;
  to: LeadStage;
}

const MAX_INT4 = 2_147_483_647;

/**
 * The partner moves an accepted lead on: contacted, proposal, then won (with the amount) or lost
 * (with a reason). One statement: the conditional update, its timeline event and, when the lead
 * closes, the partner's capacity unit back and its win figures, so they can never disagree.
 */
export async function updateLeadStage(
  db: Database,
  input: LeadStageInput,
  clock: Clock,
): Promise<LeadStageResult> {
  const parsed = leadStageInputSchema.safeParse({
    stage: input.stage,
    wonValueMinor: input.wonValueMinor,
    lostReason: input.lostReason,
    lostNote: input.lostNote,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(String(issue.path[0] ?? 'stage'), issue.message);
  }
  const change = parsed.data;
  const { opportunityId } = input;
  if (!Number.isInteger(opportunityId) || opportunityId <= 0 || opportunityId > MAX_INT4) {
    throw notFound('Lead', String(opportunityId));
  }
  const partnerId = input.scope?.partnerId ?? null;
  const at = iso(clock.now());
  const closing = change.stage === 'won' || change.stage === 'lost';
  const wonValueMinor = change.stage === 'won' ? change.wonValueMinor : null;
  const lostReason = change.stage === 'lost' ? change.lostReason : null;
  const detail = JSON.stringify({
    to: change.stage,
    ...(change.stage === 'won' ? { wonValueMinor: change.wonValueMinor } : {}),
    ...(change.stage === 'lost' ? { lostReason: change.lostReason, lostNote: change.lostNote } : {}),
  });

  const [row] = await withDeadlockRetry(
    () => rawSql(db)`
    WITH lead AS (
      -- Locked first so that "from" is the status this update replaced, even when another
      -- request moved the lead a moment earlier (a self-join would read the older version).
      SELECT id, status, accepted_partner_id FROM opportunities
      WHERE id = ${opportunityId}::int AND status = ANY(${ALLOWED_FROM[change.stage] as string[]}::text[])
        AND (${partnerId}::int IS NULL OR accepted_partner_id = ${partnerId}::int)
      FOR UPDATE
    ), moved AS (
      UPDATE opportunities o SET status = ${change.stage}, updated_at = ${at}::timestamptz,
        won_value_minor = coalesce(${wonValueMinor}::bigint, o.won_value_minor),
        lost_reason = coalesce(${lostReason}::text, o.lost_reason)
      FROM lead WHERE o.id = lead.id
      RETURNING o.id, lead.status AS from_status, o.accepted_partner_id
    ), partner AS (
      -- A closed lead no longer takes one of the partner's capacity units.
      UPDATE partners p SET open_load = open_load - 1, leads_closed = leads_closed + 1,
        leads_won = leads_won + ${change.stage === 'won' ? 1 : 0}::int
      FROM moved WHERE p.id = moved.accepted_partner_id AND ${closing}::boolean
    ), event AS (
      INSERT INTO opportunity_events (opportunity_id, partner_id, actor_user_id, kind, detail, at)
      SELECT id, accepted_partner_id, ${input.userId}::int, 'status_changed',
             jsonb_build_object('from', from_status) || ${detail}::jsonb, ${at}::timestamptz
      FROM moved
    )
    SELECT id, from_status, accepted_partner_id FROM moved`,
  );
  if (!row) throw await whyNotMoved(db, opportunityId, input.scope, change.stage);
  return {
    opportunityId: row.id as number,
    partnerId: row.accepted_partner_id as number,
    from: row.from_status as OpportunityStatus,
    to: change.stage,
  };
}

/** Explains an update that matched nothing, without changing anything. */
async function whyNotMoved(
  db: Database,
  opportunityId: number,
  scope: PartnerScope | undefined,
  to: LeadStage,
): Promise<DomainError> {
  const partnerId = scope?.partnerId ?? null;
  const [lead] = await rawSql(db)`
    SELECT status FROM opportunities
    WHERE id = ${opportunityId}::int
      AND (${partnerId}::int IS NULL OR accepted_partner_id = ${partnerId}::int)`;
  if (!lead) return notFound('Lead', opportunityId);
  const status = lead.status as OpportunityStatus;
  if (!STAGE_ORDER.includes(status)) {
    return invalidInput(
      'stage',
      `opportunity ${opportunityId} is ${status}, not a lead a partner has accepted`,
    );
  }
  if (status === to) return invalidInput('stage', `the lead is already ${to}`);
  if (status === 'won' || status === 'lost') {
    return invalidInput('stage', `a ${status} lead cannot move to ${to}`);
  }
  if (STAGE_ORDER.indexOf(status) > STAGE_ORDER.indexOf(to)) {
    return invalidInput('stage', `a lead at ${status} cannot go back to ${to}`);
  }
  return invalidInput('stage', 'the lead changed while you were updating it; reload and try again');
}
