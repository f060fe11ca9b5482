import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { NOT_FOUND, plainAnswer } from './plain-pages';

/**
 * The browser's files: build/client as `remix vite:build` left it (the fingerprinted bundles
 * under /assets/, and public/ copied alongside). The folder is listed once at start and only
 * listed regular files are served (no symlink is followed), so no address can reach outside it,
 * however it is spelled (`..`, `%2e%2e`, an absolute path): an address either names a listed
 * file or is not a file at all. A build is never changed in place; a new one means a restart.
 */

/** Fingerprinted: the name changes whenever the content does, so browsers may keep it forever. */
const ASSETS_PREFIX = '/assets/';
const FINGERPRINTED_CACHE = 'public, max-age=31536000, immutable';
/** Everything else (favicon.svg) keeps its name across builds: an hour, as remix-serve gave public/. */
const UNVERSIONED_CACHE = 'public, max-age=3600';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
};

interface StaticFile {
  filePath: string;
  size: number;
  lastModified: Date;
  etag: string;
}

export interface StaticFiles {
  /**
   * The answer for a GET or HEAD of `pathname` (as the URL parser left it, still percent-encoded),
   * or null when it names no file and the app should answer. A missing fingerprinted asset is
   * answered here (404): the app has no page under /assets/.
   */
  answer(method: 'GET' | 'HEAD', pathname: string, requestHeaders: Headers): Response | null;
}

export async function listStaticFiles(clientRoot: string): Promise<StaticFiles> {
  const files = new Map<string, StaticFile>();
  for (const relative of await listFiles(clientRoot, '')) {
    const filePath = path.join(clientRoot, relative);
    const info = await stat(filePath);
    files.set(`/${relative.split(path.sep).join('/')}`, {
      filePath,
      size: info.size,
      lastModified: info.mtime,
      etag: `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
    });
  }
  return {
    answer(method, pathname, requestHeaders) {
      const file = files.get(decoded(pathname) ?? '');
      if (!file) return pathname.startsWith(ASSETS_PREFIX) ? plainAnswer(NOT_FOUND, false) : null;
      const headers = new Headers({
        'Content-Type': contentTypeOf(file.filePath),
        'Cache-Control': pathname.startsWith(ASSETS_PREFIX) ? FINGERPRINTED_CACHE : UNVERSIONED_CACHE,
        ETag: file.etag,
        'Last-Modified': file.lastModified.toUTCString(),
      });
      // The browser's copy is current (a revalidation of favicon.svg after its hour): no body.
      if (etagsOf(requestHeaders.get('If-None-Match')).includes(file.etag)) {
        return new Response(null, { status: 304, headers });
      }
      headers.set('Content-Length', String(file.size));
      const body =
        method === 'HEAD' ? null : createReadableStreamFromReadable(createReadStream(file.filePath));
      return new Response(body, { status: 200, headers });
    },
  };
}

/** Every regular file under `directory`, relative to the root; dotfiles and dot-folders left out. */
async function listFiles(root: string, directory: string): Promise<string[]> {
  const entries = await readdir(path.join(root, directory), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) found.push(relative);
  }
  return found;
}

function etagsOf(ifNoneMatch: string | null): string[] {
  return ifNoneMatch ? ifNoneMatch.split(',').map((tag) => tag.trim()) : [];
}

function decoded(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

function contentTypeOf(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}
