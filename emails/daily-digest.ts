import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatCount, formatDate } from './format';
import { DIGEST_REASON } from './reasons';

export function renderDailyDigest(message: MessageOf<'daily_digest'>): RenderedEmail {
  const { recipient } = message;
  const date = formatDate(message.at, recipient.timezone);
  const pending = formatCount(message.pending);
  const expiringSoon = formatCount(message.expiringSoon);
  const unroutable = formatCount(message.unroutable);
  return composeEmail({
    subject: `Baton daily digest, ${date}: ${pending} pending, ${expiringSoon} expiring soon, ${unroutable} unroutable`,
    preheader: `${formatCount(message.acceptedLastDay)} ${message.acceptedLastDay === 1 ? 'lead' : 'leads'} accepted in the last 24 hours.`,
    blocks: [
      greeting(recipient.name),
      paragraph(`The routing queue on ${date}:`),
      facts([
        { label: 'Offers pending', value: pending },
        { label: 'Expiring soon', value: expiringSoon },
        { label: 'Unroutable leads', value: unroutable },
        { label: 'Accepted in the last 24 hours', value: formatCount(message.acceptedLastDay) },
      ]),
      link('Open the routing queue:', message.queueUrl),
      link(
        'To get only this digest by email, or to change which other emails you get, open your email preferences:',
        message.preferencesUrl,
      ),
    ],
    reason: DIGEST_REASON,
  });
}
