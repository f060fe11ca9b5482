import type { EmailKind, EmailMessage, RenderedEmail } from './messages';
import { assertEmailUrl, safeHtml, type SafeHtml } from './html';
import { ACCENT_COLOR, FONT, MUTED_COLOR, TEXT_COLOR, htmlDocument, textDocument } from './layout';

/**
 * A template describes its email once, as blocks, and both parts are drawn from them: the
 * plain-text part then cannot forget a fact (or a link) that the HTML part shows.
 */

export type MessageOf<K extends EmailKind> = Extract<EmailMessage, { kind: K }>;

export interface Fact {
  label: string;
  value: string;
  /**
   * Free text typed by people (a lead's need) may be Persian or Arabic: the client then takes
   * the direction from the text itself, and line breaks the author typed are kept.
   */
  freeText?: boolean;
}

export interface Button {
  label: string;
  url: string;
  /** In the text part, the line before the URL. */
  textLabel: string;
  primary: boolean;
}

export type Block =
  | { type: 'paragraph'; text: string }
  | { type: 'facts'; facts: Fact[] }
  | { type: 'buttons'; buttons: Button[] }
  | { type: 'link'; label: string; url: string };

export interface EmailContent {
  subject: string;
  preheader: string;
  blocks: Block[];
  reason: string;
}

export const paragraph = (text: string): Block => ({ type: 'paragraph', text });
export const facts = (list: Fact[]): Block => ({ type: 'facts', facts: list });
export const buttons = (list: Button[]): Block => ({ type: 'buttons', buttons: list });
export const link = (label: string, url: string): Block => ({ type: 'link', label, url });

export function greeting(name: string): Block {
  const trimmed = name.trim();
  return paragraph(trimmed === '' ? 'Hello,' : `Hello ${trimmed},`);
}

const PARAGRAPH_STYLE = `margin:0 0 16px 0;${FONT}font-size:16px;line-height:24px;color:${TEXT_COLOR};`;
const LABEL_STYLE = `padding:6px 16px 6px 0;${FONT}font-size:14px;line-height:20px;font-weight:normal;color:${MUTED_COLOR};`;
const VALUE_STYLE = `padding:6px 0;${FONT}font-size:14px;line-height:20px;color:${TEXT_COLOR};`;

function factRowHtml(fact: Fact): SafeHtml {
  if (fact.freeText) {
    return safeHtml`<tr>
<th scope="row" align="left" valign="top" style="${LABEL_STYLE}">${fact.label}</th>
<td valign="top" dir="auto" style="${VALUE_STYLE}white-space:pre-line;">${fact.value}</td>
</tr>
`;
  }
  return safeHtml`<tr>
<th scope="row" align="left" valign="top" style="${LABEL_STYLE}">${fact.label}</th>
<td valign="top" style="${VALUE_STYLE}">${fact.value}</td>
</tr>
`;
}

function factsHtml(list: Fact[]): SafeHtml {
  return safeHtml`<table role="presentation" border="0" cellpadding="0" cellspacing="0" style="margin:0 0 20px 0;border-collapse:collapse;">
${list.map(factRowHtml)}</table>
`;
}

// Bulletproof buttons: the link sits in a coloured table cell, so clients that ignore padding
// on <a> (Outlook) still show a button, and the whole face is clickable where they honour it.
function buttonHtml(button: Button): SafeHtml {
  const background = button.primary ? ACCENT_COLOR : '#ffffff';
  const color = button.primary ? '#ffffff' : ACCENT_COLOR;
  return safeHtml`<td align="center" bgcolor="${background}" style="border-radius:6px;background-color:${background};">
<a href="${assertEmailUrl(button.url)}" target="_blank" style="display:inline-block;padding:12px 28px;border:1px solid ${ACCENT_COLOR};border-radius:6px;${FONT}font-size:16px;line-height:20px;font-weight:bold;color:${color};text-decoration:none;">${button.label}</a>
</td>
`;
}

const BUTTON_GAP = safeHtml`<td width="12" style="width:12px;font-size:0;line-height:0;">&nbsp;</td>
`;

function buttonsHtml(list: Button[]): SafeHtml {
  const cells = list.map((button, index) =>
    index === 0 ? [buttonHtml(button)] : [BUTTON_GAP, buttonHtml(button)],
  );
  return safeHtml`<table role="presentation" border="0" cellpadding="0" cellspacing="0" style="margin:0 0 20px 0;">
<tr>
${cells}</tr>
</table>
`;
}

function blockHtml(block: Block): SafeHtml {
  switch (block.type) {
    case 'paragraph':
      return safeHtml`<p dir="auto" style="${PARAGRAPH_STYLE}">${block.text}</p>
`;
    case 'facts':
      return factsHtml(block.facts);
    case 'buttons':
      return buttonsHtml(block.buttons);
    case 'link':
      return safeHtml`<p style="${PARAGRAPH_STYLE}">${block.label}<br>
<a href="${assertEmailUrl(block.url)}" target="_blank" style="color:${ACCENT_COLOR};text-decoration:underline;word-break:break-all;">${block.url}</a></p>
`;
  }
}

/** Continuation lines of a multi-line value line up under its first line. */
function indentContinuation(value: string, width: number): string {
  return value.replace(/\r\n?/g, '\n').replace(/\n/g, `\n${' '.repeat(width)}`);
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return block.text;
    case 'facts': {
      const width = Math.max(...block.facts.map((fact) => fact.label.length)) + 2;
      return block.facts
        .map((fact) => `${`${fact.label}:`.padEnd(width)}${indentContinuation(fact.value, width)}`)
        .join('\n');
    }
    case 'buttons':
      // URLs stand alone on their lines: plain-text readers make them clickable only then.
      return block.buttons.map((button) => `${button.textLabel}\n${assertEmailUrl(button.url)}`).join('\n\n');
    case 'link':
      return `${block.label}\n${assertEmailUrl(block.url)}`;
  }
}

/** Subjects are a header: a line break typed into a name must not reach it. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function composeEmail(content: EmailContent): RenderedEmail {
  const subject = oneLine(content.subject);
  return {
    subject,
    html: htmlDocument({
      title: subject,
      preheader: oneLine(content.preheader),
      body: safeHtml`${content.blocks.map(blockHtml)}`,
      reason: content.reason,
    }),
    text: textDocument({ body: content.blocks.map(blockText).join('\n\n'), reason: content.reason }),
  };
}
