import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { PartnerNotices } from './components/partner-notices';
import { AccountMenu, SiteHeader } from './components/site-header';
import { systemClock } from './domain/clock';
import { unreadPartnerNotices } from './models/partner-notices.server';
import { useNonce } from './utils/nonce';
import { homeFor } from './utils/site-map';
import stylesUrl from './styles/app.css?url';
import { csrfTokenFor } from './utils/csrf.server';
import { database } from './utils/db.server';
import { env, mailCaptureOpen } from './utils/env.server';
import { can } from './utils/permissions.server';
import { clearSessionCookie, getCurrentSession, readCookie, sessionCookieName } from './utils/session.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesUrl },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = ({ error }) => {
  if (!error) return [{ title: 'Baton' }];
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return [{ title: notFound ? 'Page not found · Baton' : 'Error · Baton' }];
};

/**
 * Who is signed in (for the header) and the CSRF token that every form on the page carries.
 * A stale session cookie is cleared; without a session, the pre-session CSRF cookie is set.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getCurrentSession(request);
  const csrf = await csrfTokenFor(request);
  const headers = new Headers();
  if (csrf.setCookie) headers.append('Set-Cookie', csrf.setCookie);
  if (!session && readCookie(request, sessionCookieName()))
    headers.append('Set-Cookie', clearSessionCookie());
  const user = session
    ? { name: session.user.name, email: session.user.email, role: session.user.role }
    : null;
  // A partner user's unread notices from the vendor, on whichever page they open next.
  const reader = session?.user;
  const notices =
    reader && reader.partnerId !== null && can(reader, 'read:notice:own')
      ? await unreadPartnerNotices(
          database(),
          { userId: reader.id, partnerId: reader.partnerId, timezone: reader.timezone },
          systemClock.now(),
        )
      : [];
  // The demo's caught mail is linked from the header wherever that page exists.
  return data({ user, csrf: csrf.token, mailCapture: mailCaptureOpen(env()), notices }, { headers });
}

/** Every navigation, so a notice written meanwhile shows on the partner's next page. */
export const shouldRevalidate = () => true;

/** The shell around every page, error pages included. */
export function Layout({ children }: { children: ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  const user = root?.user ?? null;
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <SiteHeader
          role={user?.role ?? null}
          mailCapture={root?.mailCapture ?? false}
          account={user ? <AccountMenu name={user.name} email={user.email} /> : null}
        />
        <main id="main" className="page" tabIndex={-1}>
          <PartnerNotices notices={root?.notices ?? []} />
          {children}
        </main>
        <footer className="site-footer">
          <p>Baton · partner opportunity routing</p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/**
 * Unknown addresses get a 404 page; anything else a plain page. Error details and stack
 * traces stay in the server log, never on the page.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <ErrorPage title="Page not found" status={404}>
        <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
      </ErrorPage>
    );
  }
  if (isRouteErrorResponse(error) && error.status < 500) {
    return (
      <ErrorPage title="This request could not be completed" status={error.status}>
        {/* A 4xx is one we threw on purpose, with a message written for the reader. */}
        <p>{typeof error.data === 'string' && error.data ? error.data : error.statusText}</p>
      </ErrorPage>
    );
  }
  return (
    <ErrorPage title="Something went wrong" status={isRouteErrorResponse(error) ? error.status : 500}>
      <p>Baton could not show this page. The problem has been logged; please try again in a moment.</p>
    </ErrorPage>
  );
}

function ErrorPage({ title, status, children }: { title: string; status: number; children: ReactNode }) {
  // The viewer's home, a page they may open. Without the root's data (its own loader failed)
  // the start address, which sends each viewer to theirs.
  const root = useRouteLoaderData<typeof loader>('root');
  const home = root ? homeFor(root.user?.role ?? null) : { to: '/', goBack: 'Go to the start page' };
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-page__status">Error {status}</p>
      <h1 id="error-title">{title}</h1>
      {children}
      <p>
        <Link to={home.to}>{home.goBack}</Link>
      </p>
    </section>
  );
}
