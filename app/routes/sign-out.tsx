import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { requireCsrf } from '../utils/csrf.server';
import { resourceHandler } from '../utils/security-headers.server';
import { destroySession } from '../utils/session.server';

/** Signing out changes state, so it is a POST with a CSRF token; a plain visit changes nothing. */
export const loader = resourceHandler(async () => redirect('/'));

export const action = resourceHandler(async ({ request }: ActionFunctionArgs) => {
  await requireCsrf(request, await request.formData());
  const clearCookie = await destroySession(request);
  return redirect('/sign-in', { headers: { 'Set-Cookie': clearCookie } });
});
