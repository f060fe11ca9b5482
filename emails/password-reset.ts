import type { RenderedEmail } from './messages';
import { composeEmail, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { accountReason } from './reasons';

export function renderPasswordReset(message: MessageOf<'password_reset'>): RenderedEmail {
  const { recipient } = message;
  const expiresAt = formatDateTime(message.expiresAt, recipient.timezone);
  return composeEmail({
    subject: 'Reset your Baton password',
    preheader: `The link works once, until ${expiresAt}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        'Someone asked to reset the password of your Baton account. To choose a new password, open this link:',
      ),
      link('Reset your password:', message.resetUrl),
      paragraph(`The link works once, and only until ${expiresAt}.`),
      paragraph('If you did not ask for this, ignore this email: your password stays as it is.'),
    ],
    reason: accountReason(recipient.email),
  });
}
