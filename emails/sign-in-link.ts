import type { RenderedEmail } from './messages';
import { composeEmail, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { accountReason } from './reasons';

export function renderSignInLink(message: MessageOf<'sign_in_link'>): RenderedEmail {
  const { recipient } = message;
  const expiresAt = formatDateTime(message.expiresAt, recipient.timezone);
  return composeEmail({
    subject: 'Your Baton sign-in link',
    preheader: `The link works once, until ${expiresAt}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        'Someone asked for a link to sign in to your Baton account without a password. To sign in, open this link and press the button on the page:',
      ),
      link('Sign in to Baton:', message.signInUrl),
      paragraph(`The link works once, and only until ${expiresAt}.`),
      paragraph(
        'If you did not ask for this, ignore this email: nobody can use the link without access to your mailbox.',
      ),
    ],
    reason: accountReason(recipient.email),
  });
}
