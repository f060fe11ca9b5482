import { markupOf, safeHtml, type SafeHtml } from './html';

/**
 * The shell every email shares. Styles are inline on each element and the layout is tables,
 * because Gmail, Outlook and others drop <style> blocks and ignore most layout CSS.
 */

export const FONT = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;';
export const TEXT_COLOR = '#1f2937';
export const MUTED_COLOR = '#6b7280';
export const ACCENT_COLOR = '#1d4ed8';
const PAGE_BACKGROUND = '#f3f4f6';

export interface HtmlDocumentInput {
  /** The subject, so that a browser tab or a saved copy says what it is. */
  title: string;
  /** The line inbox lists show after the subject. */
  preheader: string;
  body: SafeHtml;
  /** Why the recipient gets this email. */
  reason: string;
}

export function htmlDocument({ title, preheader, body, reason }: HtmlDocumentInput): string {
  const document = safeHtml`<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background-color:${PAGE_BACKGROUND};">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;font-size:1px;line-height:1px;color:${PAGE_BACKGROUND};">${preheader}</div>
<table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0" style="width:100%;background-color:${PAGE_BACKGROUND};">
<tr>
<td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;">
<tr>
<td style="padding:20px 32px;border-bottom:1px solid #e5e7eb;${FONT}font-size:18px;font-weight:bold;color:${ACCENT_COLOR};">Baton</td>
</tr>
<tr>
<td style="padding:24px 32px 32px 32px;${FONT}font-size:16px;line-height:24px;color:${TEXT_COLOR};">
${body}</td>
</tr>
</table>
<table role="presentation" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;">
<tr>
<td style="padding:16px 32px;${FONT}font-size:12px;line-height:18px;color:${MUTED_COLOR};">${reason}</td>
</tr>
</table>
</td>
</tr>
</table>
</body>
</html>
`;
  return markupOf(document);
}

export interface TextDocumentInput {
  body: string;
  reason: string;
}

export function textDocument({ body, reason }: TextDocumentInput): string {
  // "-- " is the signature separator mail readers recognise and fold away.
  return `${body.trimEnd()}\n\n-- \n${reason}\n`;
}
