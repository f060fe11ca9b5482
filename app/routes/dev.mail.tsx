import type { LinksFunction, LoaderFunctionArgs, MetaFunction, HeadersFunction } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { formatUtc } from '../components/countdown';
import {
  CAUGHT_MAIL_PAGE_SIZE,
  listCaughtMail,
  requireMailCaptureOpen,
} from '../models/captured-mail.server';
import mailStylesUrl from '../styles/mail.css?url';
import { database } from '../utils/db.server';
import { routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mailStylesUrl }];
// The address carries a secret (or shows mail): it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

export const meta: MetaFunction = () => [
  { title: 'Caught mail · Baton' },
  // Caught mail holds one-click links and reset links: they must not leak to pages linked from it.
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

const cursorPattern = /^\d{1,15}$/;

// Open to every visitor while capture is open: it is the demo's mailbox, for people not yet signed in.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  requireMailCaptureOpen();
  const before = searchParamsOf(request).get('before') ?? '';
  const list = await listCaughtMail(database(), {
    before: cursorPattern.test(before) ? Number(before) : undefined,
  });
  return {
    pageSize: CAUGHT_MAIL_PAGE_SIZE,
    paged: cursorPattern.test(before),
    next: list.next,
    mails: list.rows.map((mail) => ({
      id: mail.id,
      subject: mail.subject || '(no subject)',
      to: mail.rcptTo.join(', '),
      receivedAt: mail.receivedAt.toISOString(),
    })),
  };
});

export default function CaughtMail() {
  const page = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-heading">
        <h1>Caught mail</h1>
        <p className="muted">
          Email the demo sent, caught before it left this machine; newest first, {page.pageSize} to a page.
          Open one to follow its links.
        </p>
      </div>
      <div className="mailbox">
        <section className="panel mailbox__list" aria-labelledby="mail-list-title">
          <h2 id="mail-list-title">Messages</h2>
          {page.paged ? (
            <p>
              <NavLink to="/dev/mail">Back to the newest</NavLink>
            </p>
          ) : null}
          {page.mails.length === 0 ? (
            <p className="empty">No mail has been caught yet.</p>
          ) : (
            <ul className="mail-list">
              {page.mails.map((mail) => (
                <li key={mail.id}>
                  <NavLink to={`/dev/mail/${mail.id}`} className="mail-list__item">
                    <span className="mail-list__subject">{mail.subject}</span>
                    <span className="subtle">To {mail.to}</span>
                    <span className="subtle">
                      <time dateTime={mail.receivedAt}>{formatUtc(mail.receivedAt)}</time>
                    </span>
                  </NavLink>
                </li>
              ))}
            </ul>
          )}
          {page.next !== null ? (
            <p>
              <NavLink to={`/dev/mail?before=${page.next}`} rel="next">
                Older mail →
              </NavLink>
            </p>
          ) : null}
        </section>
        <div className="mailbox__reader">
          <Outlet />
        </div>
      </div>
    </>
  );
}
