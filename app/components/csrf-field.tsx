import { useRouteLoaderData } from '@remix-run/react';
import type { loader as rootLoader } from '../root';

/**
 * The hidden CSRF token that every state-changing form carries; `requireCsrf` checks it. The
 * root loader supplies it: the session's token when signed in, the pre-session one before.
 */
export function CsrfField() {
  const root = useRouteLoaderData<typeof rootLoader>('root');
  return <input type="hidden" name="csrf" value={root?.csrf ?? ''} />;
}
