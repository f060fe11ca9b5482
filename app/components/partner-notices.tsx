import { Form, Link, useLocation } from '@remix-run/react';
import { CsrfField } from './csrf-field';

export interface PartnerNoticeView {
  id: number;
  text: string;
  href: string | null;
  hrefLabel: string | null;
}

/**
 * What the vendor did to this partner's offers and leads since the reader last looked: shown on
 * every page of a partner user until they mark it read (a form, so it works without JavaScript).
 */
export function PartnerNotices({ notices }: { notices: readonly PartnerNoticeView[] }) {
  const location = useLocation();
  if (notices.length === 0) return null;
  const newest = Math.max(...notices.map((n) => n.id));
  return (
    <section className="partner-notices" aria-labelledby="partner-notices-title">
      <h2 id="partner-notices-title">
        {notices.length === 1 ? 'A notice from the vendor' : 'Notices from the vendor'}
      </h2>
      <ul>
        {notices.map((notice) => (
          <li key={notice.id}>
            {notice.text}
            {notice.href ? (
              <>
                {' '}
                <Link to={notice.href}>{notice.hrefLabel}</Link>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <Form method="post" action="/notices" className="partner-notices__form">
        <CsrfField />
        <input type="hidden" name="through" value={newest} />
        <input type="hidden" name="returnTo" value={`${location.pathname}${location.search}`} />
        <button type="submit" className="button button--secondary">
          {notices.length === 1 ? 'Mark as read' : 'Mark all as read'}
        </button>
      </Form>
    </section>
  );
}
