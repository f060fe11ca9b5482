import type { EmailMessage } from '../../../emails/messages';

/** What composing an email row gives: the message to send, or why none is sent. */
export type Composed =
  { kind: 'message'; to: string; message: EmailMessage } | { kind: 'skip'; reason: string };
