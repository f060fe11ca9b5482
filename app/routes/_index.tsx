import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { getUser, homePathFor } from '../utils/permissions.server';
import { routeLoader } from '../utils/route-kit.server';
import { resourceHandler } from '../utils/security-headers.server';

/** Each user starts where their work is: partners in their inbox, vendor staff in the queue. */
export const loader = resourceHandler(
  routeLoader(async ({ request }: LoaderFunctionArgs) => {
    const user = await getUser(request);
    return redirect(user ? homePathFor(user) : '/sign-in');
  }),
);
