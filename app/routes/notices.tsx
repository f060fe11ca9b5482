import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { systemClock } from '../domain/clock';
import {
  markNoticesRead,
  markNoticesReadSchema,
  unreadPartnerNotices,
} from '../models/partner-notices.server';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { safeRedirect } from '../utils/safe-redirect';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';

export const meta: MetaFunction = () => [{ title: 'Notices · Baton' }];

/** Partner users only: the layout shows the same notices on every page; this is their own page. */
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:notice:own');
  const notices = await unreadPartnerNotices(
    database(),
    { userId: user.id, partnerId: user.partnerId!, timezone: user.timezone },
    systemClock.now(),
  );
  return { count: notices.length };
});

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form } = await formFor(request, permissionTo('read:notice:own'));
  const parsed = markNoticesReadSchema.safeParse({ through: form.get('through') ?? undefined });
  if (!parsed.success) {
    return data({ formError: parsed.error.issues[0]!.message }, { status: 400 });
  }
  await markNoticesRead(database(), { userId: user.id }, parsed.data.through);
  throw redirect(safeRedirect(form.get('returnTo'), '/notices'));
});

export default function NoticesPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <section aria-labelledby="notices-title">
      <h1 id="notices-title">Notices</h1>
      {answer?.formError ? (
        <p className="notice" role="alert">
          Nothing was marked as read: {answer.formError}
        </p>
      ) : null}
      {/* The notices themselves are in the layout, above this heading, as on every page. */}
      {page.count === 0 ? (
        <p className="empty">
          You have no unread notices. Your offers are in the <Link to="/inbox">inbox</Link> and your accepted
          leads in <Link to="/leads">My leads</Link>.
        </p>
      ) : (
        <p>Your unread notices are shown above. Mark them as read once you have seen them.</p>
      )}
    </section>
  );
}
