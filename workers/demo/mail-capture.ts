import postgres from 'postgres';
import { startMailCapture } from '../../emails/capture.server';

/**
 * The demo's own mail server: every email the worker sends lands in `captured_mail`, shown at
 * /dev/mail, so the one-click Accept links can be tried without a real mailbox.
 */
export async function startDemoMailCapture(databaseUrl: string) {
  const client = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const capture = await startMailCapture({
    async onMail(mail) {
      await client`
        INSERT INTO captured_mail (mail_from, rcpt_to, subject, text_body, html_body, message_id)
        VALUES (${mail.from}, ${mail.to}, ${mail.subject}, ${mail.text}, ${mail.html}, ${mail.messageId})`;
    },
  });
  return {
    url: capture.url,
    async stop() {
      await capture.close();
      await client.end({ timeout: 5 });
    },
  };
}
