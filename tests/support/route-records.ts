import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Clock } from '../../app/domain/clock';
import { signCampaignAnswerTokens } from '../../app/domain/campaigns/campaign-answer-links.server';
import {
  signAccountLink,
  signEmailAction,
  signPasswordReset,
} from '../../app/domain/notifications/signed-tokens';
import { registerOpportunity } from '../../app/domain/opportunities/registration.server';
import { requestPasswordReset } from '../../app/utils/password-reset.server';
import { requestSignInLink } from '../../app/utils/sign-in-link.server';
import { campaignPartners, campaigns, imports, offers, passwordResets, signInLinks } from '../../db/schema';
import { makeUser } from './auth-fixtures';
import { makeCustomer } from './factories';

/**
 * One record of every kind a route's URL can name, belonging to the "own" partner where it
 * belongs to a partner: what the tests that walk every route of the manifest request. The offer
 * and its users come from the caller; the links are signed as the emails would sign them.
 */
export async function recordsForEveryRoute(
  db: Database,
  input: {
    clock: Clock;
    secret: string;
    ownPartnerId: number;
    repId: number;
    adminId: number;
    offerId: number;
  },
) {
  const { clock, secret, ownPartnerId } = input;
  const [offer] = await db.select().from(offers).where(eq(offers.id, input.offerId));
  const declineToken = signEmailAction(secret, {
    offerId: input.offerId,
    action: 'decline',
    userId: input.repId,
    expiresAtMs: offer!.expiresAt.getTime(),
  });
  // A password reset of an account none of the visitors uses.
  const forgetful = await makeUser(db, { role: 'channel_manager' });
  await requestPasswordReset({ db, clock }, forgetful.email);
  const [reset] = await db.select().from(passwordResets).where(eq(passwordResets.userId, forgetful.id));
  const resetToken = signPasswordReset(secret, {
    resetId: reset!.id,
    userId: forgetful.id,
    expiresAtMs: reset!.expiresAt.getTime(),
  });
  // A sign-in link of the same account.
  await requestSignInLink(
    { db, clock },
    { email: forgetful.email, clientAddress: 'unknown', redirectTo: null },
  );
  const [link] = await db.select().from(signInLinks).where(eq(signInLinks.userId, forgetful.id));
  const signInLinkToken = signAccountLink(secret, 'sign-in-link', {
    linkId: link!.id,
    userId: forgetful.id,
    expiresAtMs: link!.expiresAt.getTime(),
  });
  const registration = await registerOpportunity(
    db,
    { partnerId: ownPartnerId },
    input.repId,
    {
      customer: {
        kind: 'new',
        name: 'Reg Co',
        country: 'SE',
        industry: 'manufacturing',
        sizeSegment: 'mid_market',
      },
      need: 'New storage',
      productLine: 'storage',
      valueMinor: 100_000,
      currency: 'EUR',
    },
    clock,
  );
  const contributed = await makeCustomer(db, { country: 'SE', ownerPartnerId: ownPartnerId });
  // A campaign the own partner is invited to; no other partner is.
  const [campaign] = await db
    .insert(campaigns)
    .values({ name: 'Nordic storage autumn', status: 'active' })
    .returning();
  await db.insert(campaignPartners).values({ campaignId: campaign!.id, partnerId: ownPartnerId });
  const campaignAnswerToken = signCampaignAnswerTokens(
    secret,
    { campaignId: campaign!.id, partnerId: ownPartnerId, userId: input.adminId, endsOn: null },
    clock.now(),
  ).join;
  const [upload] = await db
    .insert(imports)
    .values({
      kind: 'customers',
      fileName: 'customers.csv',
      file: Buffer.from('Company,Country,Industry,Size\nAcme,DE,x,enterprise\n'),
      rejectedCsv: 'Company,line,reason\r\nAcme,2,bad\r\n',
      createdByUserId: forgetful.id,
    })
    .returning();
  return {
    declineToken,
    resetToken,
    signInLinkToken,
    registrationId: registration.opportunityId,
    customerId: contributed.id,
    campaignId: campaign!.id,
    campaignAnswerToken,
    importId: upload!.id,
  };
}
