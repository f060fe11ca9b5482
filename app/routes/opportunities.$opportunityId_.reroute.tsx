import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { ConfirmationPage } from '../components/confirmation-page';
import { NextInRoutingSentence } from '../components/next-in-routing';
import { formatUtc } from '../components/countdown';
import { systemClock } from '../domain/clock';
import { confirmWithdrawal, withdrawalPreview } from '../models/safe-actions.server';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { loopDeps } from '../utils/loop.server';
import { requirePermission } from '../utils/permissions.server';
import {
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];
export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `Re-route lead #${page.opportunity.id} · Baton` : 'Re-route a lead · Baton' },
];

const NO_OPPORTUNITY = 'There is no opportunity with this number.';

// Channel managers and admins, as for the opportunity page's other actions.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'update:opportunity:any');
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const preview = await withdrawalPreview(database(), {
    opportunityId,
    kind: 'reroute',
    now: systemClock.now(),
  });
  if (!preview) throw notFound(NO_OPPORTUNITY);
  return data(preview, { status: preview.stale ? 409 : 200 });
});

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form } = await formFor(request, permissionTo('update:opportunity:any'));
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const result = await confirmWithdrawal(loopDeps(), {
    opportunityId,
    kind: 'reroute',
    userId: user.id,
    fields: Object.fromEntries(form),
  });
  if (!result.ok) return data({ formError: result.formError }, { status: result.status });
  throw redirect(`/opportunities/${opportunityId}?done=reroute`);
});

export default function ConfirmReroute() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const o = page.opportunity;
  const offer = page.pendingOffer;
  return (
    <ConfirmationPage
      context={`Lead #${o.id}: ${o.need}`}
      title={offer ? `Re-route the lead away from ${offer.partnerName}?` : 'Re-route the lead?'}
      stale={page.stale}
      formError={answer?.formError}
      consequences={
        offer
          ? [
              <>
                <strong>{offer.partnerName}</strong> loses the offer of lead #{o.id}, which it had until{' '}
                {formatUtc(offer.expiresAt)} to answer. Its users get an email saying the offer was withdrawn
                and that they need not answer it.
              </>,
              <NextInRoutingSentence key="next" next={page.next} />,
            ]
          : []
      }
      hiddenFields={offer ? { offerId: offer.id } : {}}
      confirmLabel="Withdraw and re-route"
      cancelHref={`/opportunities/${o.id}`}
      backLabel="Back to the lead"
    />
  );
}
