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
import { TextAreaField } from '../components/text-field';
import { systemClock } from '../domain/clock';
import { confirmTakeBack, takeBackPreview } from '../models/safe-actions.server';
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
  { title: page ? `Take lead #${page.opportunity.id} back · Baton` : 'Take a lead back · Baton' },
];

const NO_OPPORTUNITY = 'There is no opportunity with this number.';

// Those who may take leads back from partners: channel managers and admins.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'reassign:lead:any');
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const preview = await takeBackPreview(database(), { opportunityId, now: systemClock.now() });
  if (!preview) throw notFound(NO_OPPORTUNITY);
  return data(preview, { status: preview.stale ? 409 : 200 });
});

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form } = await formFor(request, permissionTo('reassign:lead:any'));
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const result = await confirmTakeBack(loopDeps(), {
    opportunityId,
    userId: user.id,
    fields: Object.fromEntries(form),
  });
  if (!result.ok) {
    return data(
      {
        formError: result.formError,
        fieldErrors: result.fieldErrors,
        reason: String(form.get('reason') ?? ''),
      },
      { status: result.status },
    );
  }
  throw redirect(`/opportunities/${opportunityId}?done=takeBack`);
});

export default function ConfirmTakeBack() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const o = page.opportunity;
  const holder = page.holder;
  return (
    <ConfirmationPage
      context={`Lead #${o.id}: ${o.need}`}
      title={holder ? `Take the lead back from ${holder.partnerName}?` : 'Take the lead back?'}
      stale={page.stale}
      formError={answer?.formError}
      consequences={
        holder
          ? [
              <>
                <strong>{holder.partnerName}</strong> loses lead #{o.id} and its access to the customer record
                of <strong>{page.customerName}</strong>: the lead leaves its list of leads, and its users can
                no longer open the record.
              </>,
              <>
                Its users get an email and a notice in the portal saying that the lead and its customer record
                are no longer theirs, with the reason you give below.
              </>,
              <NextInRoutingSentence key="next" next={page.next} />,
            ]
          : []
      }
      hiddenFields={holder ? { partnerId: holder.partnerId } : {}}
      confirmLabel="Take the lead back"
      cancelHref={`/opportunities/${o.id}`}
      backLabel="Back to the lead"
    >
      <TextAreaField
        name="reason"
        label="Why the lead is taken back"
        hint={`${holder?.partnerName ?? 'The partner'} reads this in the email and the notice; the timeline keeps it.`}
        defaultValue={answer?.reason}
        error={answer?.fieldErrors.reason}
        rows={3}
        maxLength={500}
      />
    </ConfirmationPage>
  );
}
