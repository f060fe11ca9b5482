import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Link, useActionData, useNavigation } from '@remix-run/react';
import { CampaignForm, EMPTY_CAMPAIGN_FORM } from '../components/campaign-form';
import { parseCampaignForm } from '../domain/campaigns/campaign-form';
import { createCampaign } from '../domain/campaigns/campaigns.server';
import { systemClock } from '../domain/clock';
import managerStylesUrl from '../styles/manager.css?url';
import campaignsStylesUrl from '../styles/campaigns.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';

export const meta: MetaFunction = () => [{ title: 'New campaign · Baton' }];
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: campaignsStylesUrl },
];

// Campaign coordinators and admins; everyone else gets a 404.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  await requirePermission(request, 'create:campaign:any');
  return null;
});

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form } = await formFor(request, permissionTo('create:campaign:any'));
  const parsed = parseCampaignForm(form);
  // Every field is checked before anything is written: one bad field saves nothing.
  if (!parsed.ok) return data({ fieldErrors: parsed.fieldErrors, typed: parsed.typed }, { status: 400 });
  const { campaignId } = await createCampaign(
    database(),
    { coordinatorUserId: user.id, campaign: parsed.campaign },
    systemClock,
  );
  throw redirect(`/campaigns/${campaignId}?done=created`);
});

export default function NewCampaign() {
  const answer = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/campaigns">Campaigns</Link> › New campaign
        </p>
        <h1>New campaign</h1>
        <p className="muted">You coordinate the campaigns you create. Invite partners once it is saved.</p>
      </div>
      <section className="panel" aria-labelledby="campaign-form-title">
        <h2 id="campaign-form-title" className="visually-hidden">
          The campaign
        </h2>
        <CampaignForm
          values={answer?.typed ?? EMPTY_CAMPAIGN_FORM}
          errors={answer?.fieldErrors ?? {}}
          submitLabel="Save the campaign"
          busy={busy}
        />
      </section>
    </>
  );
}
