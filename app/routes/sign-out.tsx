import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';
import { resourceHandler } from '../utils/security-headers.server';
import { destroySession } from '../utils/session.server';

/** Signing out changes state, so it is a POST with a CSRF token; a plain visit changes nothing. */
export const loader = resourceHandler(routeLoader(async () => redirect('/')));

export const action = resourceHandler(
  routeAction(async ({ request }: ActionFunctionArgs) => {
    // Anyone may sign out; the token still stops another site from signing a visitor out.
    await formFor(request, anyone);
    const clearCookie = await destroySession(request);
    return redirect('/sign-in', { headers: { 'Set-Cookie': clearCookie } });
  }),
);
