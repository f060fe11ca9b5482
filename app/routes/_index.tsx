import { redirect } from '@remix-run/node';

/** The portal opens on the routing queue until signed-in users get a home page of their own. */
export function loader() {
  return redirect('/queue');
}
