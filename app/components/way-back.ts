import { useRouteLoaderData } from '@remix-run/react';
import type { loader as rootLoader } from '../root';
import { parentFor, type NavItem, type PageWithParent } from '../utils/site-map';

/** A breadcrumb's way back to the list above `page`: one the viewer's role may open. */
export function useWayBack(page: PageWithParent): NavItem {
  const root = useRouteLoaderData<typeof rootLoader>('root');
  return parentFor(root?.user?.role ?? null, page);
}
