import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the production build is made from: a change to any of these makes `build/` stale. */
const SOURCES = ['app', 'public', 'vite.config.ts', 'package-lock.json', 'tsconfig.json'];

/**
 * Once per run, before any test file starts: the browser tests, the web server's tests and the
 * fault scenarios run the production build as `npm start` does. Building here, in the one
 * process that runs before the files, means a fresh clone builds once instead of two files
 * building at the same moment into the same folder. A build older than its sources is built
 * again, so a test never passes on yesterday's code.
 */
export default function setup() {
  buildWebIfStale(process.cwd());
}

export function buildWebIfStale(root: string) {
  const serverBuild = path.join(root, 'build', 'server', 'index.js');
  if (
    existsSync(serverBuild) &&
    newestChange(SOURCES.map((s) => path.join(root, s))) <= statSync(serverBuild).mtimeMs
  )
    return;
  // vite.config.ts leaves the Remix plugin out under vitest; the build must not look like a test.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  const build = spawnSync('npx', ['remix', 'vite:build'], { cwd: root, stdio: 'inherit', env });
  if (build.status !== 0) throw new Error('npx remix vite:build failed; the tests need the production build');
}

function newestChange(paths: string[]): number {
  let newest = 0;
  for (const entry of paths) {
    if (!existsSync(entry)) continue;
    const stat = statSync(entry);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestChange(readdirSync(entry).map((name) => path.join(entry, name))));
    }
  }
  return newest;
}
