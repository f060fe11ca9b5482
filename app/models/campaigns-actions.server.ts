import { z } from 'zod';
import type { Database } from '../../db/client';
import { parseCampaignForm, type CampaignField } from '../domain/campaigns/campaign-form';
import {
  addTargetAccount,
  answerInvitation,
  invitePartners,
  removeTargetAccount,
  updateCampaign,
  INVITATION_ANSWERS,
} from '../domain/campaigns/campaigns.server';
import type { Clock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import type { FieldErrors } from '../domain/partners/field-errors';
import type { Permission } from '../utils/permissions.server';

/** What can be done on a campaign's page, and the permission each needs. */
export const CAMPAIGN_INTENTS = ['update', 'invite', 'addAccount', 'removeAccount', 'answer'] as const;
export type CampaignIntent = (typeof CAMPAIGN_INTENTS)[number];

export const INTENT_PERMISSIONS: Record<CampaignIntent, Permission> = {
  update: 'update:campaign:any',
  invite: 'invite:campaign:any',
  addAccount: 'update:campaign:any',
  removeAccount: 'update:campaign:any',
  answer: 'answer:campaign:own',
};

export const intentOf = (value: unknown): CampaignIntent | null =>
  CAMPAIGN_INTENTS.find((intent) => intent === value) ?? null;

export interface CampaignActionAnswer {
  intent: CampaignIntent | null;
  fieldErrors: FieldErrors;
  formError: string | null;
  /** The edit form as typed, when it was refused. */
  typed?: Record<CampaignField, string | string[]>;
}

export type CampaignActionResult =
  | { ok: true; done: string }
  | { ok: false; status: number; answer: CampaignActionAnswer }
  | { ok: false; status: 404 };

const customerId = z.coerce
  .number({ error: 'Choose a customer from the search results.' })
  .int('Choose a customer from the search results.')
  .positive('Choose a customer from the search results.')
  .max(2_147_483_647, 'Choose a customer from the search results.');

const refused = (
  status: number,
  intent: CampaignIntent,
  fieldErrors: FieldErrors,
  formError: string | null = null,
): CampaignActionResult => ({ ok: false, status, answer: { intent, fieldErrors, formError } });

/**
 * One action of the campaign page, after the route has checked the intent's permission. A bad
 * field or a refusal comes back as the answer the page shows, and nothing is changed; a
 * campaign (or, for a partner, an invitation) that is not there is a 404.
 */
export async function runCampaignAction(
  db: Database,
  clock: Clock,
  input: { intent: CampaignIntent; campaignId: number; partnerId: number | null; form: FormData },
): Promise<CampaignActionResult> {
  const { intent, campaignId, form } = input;
  try {
    switch (intent) {
      case 'update': {
        const parsed = parseCampaignForm(form);
        if (!parsed.ok) {
          return {
            ok: false,
            status: 400,
            answer: { intent, fieldErrors: parsed.fieldErrors, formError: null, typed: parsed.typed },
          };
        }
        await updateCampaign(db, { campaignId, campaign: parsed.campaign });
        return { ok: true, done: 'updated' };
      }
      case 'invite': {
        const ids = form.getAll('partnerIds').map((value) => Number(value));
        if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647)) {
          return refused(400, intent, { partnerIds: 'Choose partners from the list.' });
        }
        const { invited } = await invitePartners(db, { campaignId, partnerIds: ids }, clock);
        return { ok: true, done: invited.length === 1 ? 'invited-one' : 'invited' };
      }
      case 'addAccount':
      case 'removeAccount': {
        const parsed = customerId.safeParse(form.get('customerId'));
        if (!parsed.success) return refused(400, intent, { customerId: parsed.error.issues[0]!.message });
        if (intent === 'addAccount') {
          await addTargetAccount(db, { campaignId, customerId: parsed.data }, clock);
          return { ok: true, done: 'account-added' };
        }
        await removeTargetAccount(db, { campaignId, customerId: parsed.data });
        return { ok: true, done: 'account-removed' };
      }
      case 'answer': {
        const answer = z.enum(INVITATION_ANSWERS).safeParse(form.get('answer'));
        if (!answer.success) return refused(400, intent, { answer: 'Choose Join or Decline.' });
        if (input.partnerId === null) return { ok: false, status: 404 };
        const { status } = await answerInvitation(
          db,
          { partnerId: input.partnerId },
          { campaignId, answer: answer.data },
          clock,
        );
        return { ok: true, done: status };
      }
    }
  } catch (error) {
    if (isDomainError(error, 'not_found')) return { ok: false, status: 404 };
    if (isDomainError(error, 'invalid_input')) {
      const message = error.message.replace(/^\w+: /, '');
      return error.field
        ? refused(400, intent, { [error.field]: message })
        : refused(400, intent, {}, message);
    }
    throw error;
  }
}
