import type { LoaderFunctionArgs, MetaFunction, HeadersFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { Fragment } from 'react';
import { formatUtc } from '../components/countdown';
import { FactsList } from '../components/facts-list';
import { getCaughtMail, requireMailCaptureOpen } from '../models/captured-mail.server';
import { database } from '../utils/db.server';
import { idParam, notFound, routeLoader } from '../utils/route-kit.server';
import type { SecurityHandle } from '../utils/security-headers.server';

// The address carries a secret (or shows mail): it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

// The caught mail's HTML is shown in a sandboxed srcdoc iframe, which inherits this page's content
// security policy; email HTML is styled with style attributes, as mail clients drop <style>.
export const handle: SecurityHandle = { contentSecurityPolicy: { 'style-src-attr': ["'unsafe-inline'"] } };

export const meta: MetaFunction = () => [
  { title: 'Caught mail · Baton' },
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

const NO_MAIL = 'There is no caught mail at this address.';

export const loader = routeLoader(async ({ params }: LoaderFunctionArgs) => {
  requireMailCaptureOpen();
  const mail = await getCaughtMail(database(), idParam(params, 'mailId', NO_MAIL));
  if (!mail) throw notFound(NO_MAIL);
  return {
    id: mail.id,
    subject: mail.subject || '(no subject)',
    from: mail.mailFrom,
    to: mail.rcptTo.join(', '),
    receivedAt: mail.receivedAt.toISOString(),
    text: mail.textBody,
    html: mail.htmlBody,
  };
});

// http(s) only: a javascript: or data: address in a mail never becomes a link here.
const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/g;
// A sentence's full stop or a closing bracket after a link belongs to the sentence.
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/** The text part with its web addresses as links; everything else stays text (React escapes it). */
export function linkify(text: string): (string | { href: string })[] {
  const parts: (string | { href: string })[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const href = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index;
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ href });
    last = start + href.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export default function CaughtMailMessage() {
  const mail = useLoaderData<typeof loader>();
  return (
    <article className="panel" aria-labelledby="mail-subject">
      <h2 id="mail-subject">{mail.subject}</h2>
      <FactsList
        facts={[
          { term: 'From', value: mail.from },
          { term: 'To', value: mail.to },
          { term: 'Received', value: <time dateTime={mail.receivedAt}>{formatUtc(mail.receivedAt)}</time> },
        ]}
      />
      <h3>Text part</h3>
      <pre className="mail-text">
        {linkify(mail.text).map((part, index) =>
          typeof part === 'string' ? (
            <Fragment key={index}>{part}</Fragment>
          ) : (
            <a key={index} href={part.href} rel="noreferrer">
              {part.href}
            </a>
          ),
        )}
      </pre>
      <h3>HTML part</h3>
      {mail.html ? (
        // sandbox="": no scripts, no forms, no same-origin access to the portal, no navigation of this page.
        <iframe
          className="mail-html"
          title={`HTML part of “${mail.subject}”`}
          sandbox=""
          srcDoc={mail.html}
        />
      ) : (
        <p className="empty">This mail has no HTML part.</p>
      )}
    </article>
  );
}
