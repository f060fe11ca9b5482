/**
 * The few answers the web server gives itself, before or instead of Remix: a refusal, a bad
 * request, a failure. They carry no script and no stylesheet, so they render under the policy
 * that runs nothing (see completeSecurityHeaders), and never a stack trace.
 */

export interface PlainMessage {
  status: number;
  title: string;
  /** Paragraphs, plain text. */
  lines: string[];
}

/** A small HTML page for a browser showing a document, plain text for anything else. */
export function plainAnswer(message: PlainMessage, asHtml: boolean): Response {
  if (!asHtml) {
    return new Response(`${message.lines.join(' ')}\n`, {
      status: message.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  const paragraphs = message.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(message.title)} · Baton</title>
</head>
<body>
<h1>${escapeHtml(message.title)}</h1>
${paragraphs}
<p><a href="/">Go to Baton</a></p>
</body>
</html>
`;
  return new Response(html, {
    status: message.status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/** Whether the visitor is a browser loading a page (a form post, a link), not a script fetching data. */
export function wantsHtml(headers: Headers, url: URL): boolean {
  // Remix's data requests: single fetch (`/queue.data`) and the older `?_data=`.
  if (url.pathname.endsWith('.data') || url.searchParams.has('_data')) return false;
  const destination = headers.get('Sec-Fetch-Dest');
  if (destination) return destination === 'document' || destination === 'iframe';
  return (headers.get('Accept') ?? '').includes('text/html');
}

export const SERVER_ERROR: PlainMessage = {
  status: 500,
  title: 'Something went wrong',
  lines: [
    'Baton could not answer this request because of a fault on our side. It has been logged.',
    'Please try again in a moment.',
  ],
};

export const BAD_REQUEST: PlainMessage = {
  status: 400,
  title: 'Bad request',
  lines: ['This address is not one Baton can read.'],
};

export const NOT_FOUND: PlainMessage = {
  status: 404,
  title: 'Not found',
  lines: ['There is no file at this address.'],
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
