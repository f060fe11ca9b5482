import { z } from 'zod';
import { isDomainError } from '../domain/errors';
import { domainErrorStatus } from '../utils/route-kit.server';
import { extendAndSchedule, offerByHandAndSchedule, type LoopDeps } from '../domain/routing/loop.server';
import { INTENTS, type ActionAnswer, type Intent } from './opportunity-intents';
import { pendingOfferIdOf } from './opportunity-page.server';

const offerId = z.coerce
  .number({ error: 'This form has no offer; reload the page.' })
  .int('This form has no offer; reload the page.')
  .positive('This form has no offer; reload the page.');

const actionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('offer'),
    partnerId: z.coerce
      .number({ error: 'Choose a partner.' })
      .int('Choose a partner.')
      .positive('Choose a partner.'),
    /** Checked by the domain: required only when routing skips the chosen partner. */
    reason: z.string({ error: 'Say why in words.' }).max(10_000, 'At most 500 characters.').optional(),
  }),
  z.object({
    intent: z.literal('extend'),
    offerId,
    hours: z.coerce
      .number({ error: 'Enter a number of hours from 1 to 720.' })
      .int('Enter a whole number of hours from 1 to 720.')
      .min(1, 'Extend by at least 1 hour.')
      .max(720, 'Extend by at most 720 hours (30 days).'),
  }),
]);

export type OpportunityActionResult =
  { ok: true; intent: Intent } | { ok: false; status: number; answer: ActionAnswer };

const refused = (status: number, answer: ActionAnswer): OpportunityActionResult => ({
  ok: false,
  status,
  answer,
});

/**
 * A channel manager's action on an opportunity, from the form's fields: offer by hand, or extend
 * the deadline. Bad fields and refusals come back as the answer the page shows; nothing is
 * changed then. (Withdraw, re-route and take-back are confirmed on pages of their own:
 * safe-actions.server.ts.)
 */
export async function runOpportunityAction(
  deps: LoopDeps,
  input: {
    userId: number;
    opportunityId: number;
    fields: Record<string, unknown>;
  },
): Promise<OpportunityActionResult> {
  const result = await runAction(deps, input);
  if (result.ok || result.answer.intent !== 'offer') return result;
  // A refused offer by hand keeps the partner chosen and the reason typed, with or without JavaScript.
  const typed = (key: string) => (typeof input.fields[key] === 'string' ? (input.fields[key] as string) : '');
  const values = { partnerId: typed('partnerId'), reason: typed('reason').slice(0, 500) };
  return { ...result, answer: { ...result.answer, values } };
}

async function runAction(
  deps: LoopDeps,
  input: {
    userId: number;
    opportunityId: number;
    fields: Record<string, unknown>;
    mayTakeBack?: boolean;
  },
): Promise<OpportunityActionResult> {
  const { userId, opportunityId, fields } = input;
  const rawIntent = fields.intent;
  const intent = INTENTS.find((i) => i === rawIntent) ?? null;
  const parsed = actionSchema.safeParse(fields);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form');
      fieldErrors[field] ??= issue.message;
    }
    const formError = intent === null ? 'Unknown action; reload the page and try again.' : null;
    return refused(400, { intent, fieldErrors, formError });
  }
  const action = parsed.data;

  if (action.intent === 'extend') {
    // The page may be stale: act only on the offer that is pending now.
    const pending = await pendingOfferIdOf(deps.db, opportunityId);
    if (pending !== action.offerId) {
      return refused(409, {
        intent: action.intent,
        fieldErrors: {},
        formError:
          pending === null
            ? 'This lead has no pending offer any more; the page has been refreshed.'
            : 'The pending offer changed meanwhile; the page has been refreshed.',
      });
    }
  }

  try {
    switch (action.intent) {
      case 'offer':
        await offerByHandAndSchedule(deps, {
          opportunityId,
          partnerId: action.partnerId,
          userId,
          reason: action.reason,
        });
        break;
      case 'extend':
        await extendAndSchedule(deps, { offerId: action.offerId, hours: action.hours, userId: userId });
        break;
    }
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === 'not_found' && action.intent === 'offer') {
      return refused(400, {
        intent: action.intent,
        fieldErrors: { partnerId: 'There is no such partner; choose one from the list.' },
        formError: null,
      });
    }
    // An error that names a field is the form's to correct; the rest by the route kit's table.
    const status = error.field ? 400 : domainErrorStatus(error);
    return refused(status, {
      intent: action.intent,
      fieldErrors: error.field ? { [error.field]: error.message } : {},
      formError: error.field ? null : error.message,
    });
  }
  return { ok: true, intent: action.intent };
}
