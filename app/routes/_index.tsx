import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { getUser, homePathFor } from '../utils/permissions.server';

/** Each user starts where their work is: partners in their inbox, vendor staff in the queue. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  return redirect(user ? homePathFor(user) : '/sign-in');
}
