import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

/**
 * The whole app as the browser meets it — entry.server, root loader, document rendering, data
 * and resource requests — answering `Request`s in process. The build comes from Vite's dev
 * server over the current source, and is served in production mode, so errors are sanitized exactly as in production.
 */
export interface RemixApp {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A module as the app's build sees it (its own instance, e.g. db.server's pool). */
  load<T>(file: string): Promise<T>;
  close(): Promise<void>;
}

export async function startRemixApp(): Promise<RemixApp> {
  // vite.config.ts leaves the Remix plugin out under Vitest (unit tests need no Remix build):
  // the flag is hidden while the config is loaded, so the app is built exactly as configured.
  const vitest = process.env.VITEST;
  delete process.env.VITEST;
  let vite: ViteDevServer;
  try {
    vite = await createServer({
      configFile: path.resolve('vite.config.ts'),
      logLevel: 'error',
      appType: 'custom',
      server: { middlewareMode: true, hmr: false, ws: false },
    });
  } finally {
    process.env.VITEST = vitest;
  }
  const build = (await vite.ssrLoadModule('virtual:remix/server-build')) as ServerBuild;
  const handle = createRequestHandler(build, 'production');
  return {
    fetch: (path, init) => {
      // A real server always sees a Host header; Remix compares it with Origin on every POST.
      const headers = new Headers(init?.headers);
      if (!headers.has('host')) headers.set('host', 'localhost');
      return handle(new Request(new URL(path, 'http://localhost'), { ...init, headers }));
    },
    load: async <T>(file: string) => (await vite.ssrLoadModule(file)) as T,
    async close() {
      const db = await vite.ssrLoadModule('/app/utils/db.server.ts');
      await (db as { closeDatabase: () => Promise<void> }).closeDatabase();
      await vite.close();
    },
  };
}
