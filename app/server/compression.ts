import { constants, createGzip, type Gzip } from 'node:zlib';

/**
 * gzip for text answers, as remix-serve's `compression` middleware gave them: pages, data
 * requests, scripts and stylesheets shrink to a quarter or less. Every chunk is flushed as it
 * is written, so a page that streams (the shell first, deferred data later) still arrives in
 * pieces instead of when the compressor's buffer fills.
 */

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|manifest\+json)|image\/svg\+xml)/i;
/** Below this the gzip header and the extra work cost more than they save. */
const MIN_BYTES = 1024;

/**
 * A gzip stream for this answer when the browser takes gzip and the content is worth it, with
 * the answer's headers adjusted to match; null to send it as it is.
 */
export function gzipFor(acceptEncoding: string | null, status: number, headers: Headers): Gzip | null {
  if (status < 200 || status === 204 || status === 304) return null;
  if (headers.has('Content-Encoding')) return null;
  if (/\bno-transform\b/i.test(headers.get('Cache-Control') ?? '')) return null;
  const type = headers.get('Content-Type') ?? '';
  if (!COMPRESSIBLE.test(type) || /event-stream/i.test(type)) return null;
  const length = headers.get('Content-Length');
  if (length !== null && Number(length) < MIN_BYTES) return null;
  // Caches must keep the gzipped and the plain copy apart, whichever this visitor gets.
  headers.append('Vary', 'Accept-Encoding');
  if (!acceptsGzip(acceptEncoding)) return null;
  headers.set('Content-Encoding', 'gzip');
  headers.delete('Content-Length');
  return createGzip({ flush: constants.Z_SYNC_FLUSH });
}

/** "gzip, deflate, br" yes; "gzip;q=0" or "identity" no. */
function acceptsGzip(acceptEncoding: string | null): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (coding !== 'gzip') return false;
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}
