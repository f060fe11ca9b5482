import type { Readable } from 'node:stream';
import { MAX_IMPORT_BYTES } from '../domain/imports/import-limits';
import type { PlainMessage } from './plain-pages';

/**
 * What a request may carry before Remix reads it: a form in one of the two encodings a browser's
 * form uses, and no more bytes than its route needs. The body is counted as it streams in and cut
 * off with a 413 once past the limit, so a 200 MB chunked post costs the server one limit's worth
 * of reading, not 200 MB of memory.
 */

export const FORM_BODY_LIMIT = 1024 * 1024;

/**
 * Routes that take a file, and what they may receive: the file's own limit and room for the
 * other fields and the multipart framing. The route answers a file over its own limit itself
 * (with the form and a sentence), so its limit must come first.
 */
const UPLOAD_LIMITS: Record<string, number> = {
  '/imports': MAX_IMPORT_BYTES + 256 * 1024,
};

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** What a route's requests may carry: their limit, and whether the route takes a file. */
export interface BodyRule {
  limit: number;
  upload: boolean;
}

/** The body rule of the route at `pathname` (its data request, `<path>.data`, included). */
export function bodyRuleFor(pathname: string): BodyRule {
  const route = pathname.endsWith('.data') ? pathname.slice(0, -'.data'.length) : pathname;
  const upload = UPLOAD_LIMITS[route];
  return upload === undefined ? { limit: FORM_BODY_LIMIT, upload: false } : { limit: upload, upload: true };
}

export const tooLarge = (limit: number): PlainMessage => ({
  status: 413,
  title: 'Too much to send',
  lines: [
    `This request carried more than Baton accepts here (${formatBytes(limit)}), so none of it was saved.`,
    'Go back, shorten what you entered or split the file, and send it again.',
  ],
});

export const UNSUPPORTED_TYPE: PlainMessage = {
  status: 415,
  title: 'Not a form',
  lines: [
    'Baton accepts a form here (application/x-www-form-urlencoded or multipart/form-data), and this request carried something else; nothing was changed.',
  ],
};

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** Whether the request carries a body at all (a POST with neither length nor chunks has none). */
function hasBody(headers: Headers): boolean {
  const length = headers.get('Content-Length');
  if (length !== null) return length.trim() !== '0';
  return headers.has('Transfer-Encoding');
}

/**
 * The refusal a request earns before any of its body is read, or null: a body that is not a form
 * (415), or a form that says it is larger than its route's limit (413). An upload route is let
 * through on its declared length, so that its own page can say the file is too large.
 */
export function refusalBeforeBody(method: string, headers: Headers, rule: BodyRule): PlainMessage | null {
  if (method === 'GET' || method === 'HEAD' || !hasBody(headers)) return null;
  const mediaType = (headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.has(mediaType)) return UNSUPPORTED_TYPE;
  const declared = Number(headers.get('Content-Length') ?? '0');
  if (!rule.upload && Number.isFinite(declared) && declared > rule.limit) return tooLarge(rule.limit);
  return null;
}

/**
 * The request body as a web stream that pulls from the socket only as fast as Remix reads, and
 * errors once more than `limit` bytes have come, after telling `onTooLarge` (which aborts the
 * request, so that what the route made of it is nobody's fault and is not logged). The rest of
 * the body is left unread: the answer closes the connection behind it.
 */
export function countedBody(
  source: Readable,
  limit: number,
  onTooLarge: () => void,
): ReadableStream<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) {
        controller.close();
        return;
      }
      received += next.value.length;
      if (received > limit) {
        onTooLarge();
        controller.error(new Error(`the request body is larger than ${limit} bytes`));
        return;
      }
      controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.length));
    },
  });
}
