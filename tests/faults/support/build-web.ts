import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The fault scenarios run the web server as `npm start` does, from the production build:
 * build it once if it is missing (a fresh checkout after `npm ci`).
 */
export default function buildWebIfMissing() {
  const serverBuild = path.resolve('build', 'server', 'index.js');
  if (existsSync(serverBuild)) return;
  const build = spawnSync('npx', ['remix', 'vite:build'], { stdio: 'inherit' });
  if (build.status !== 0)
    throw new Error('npx remix vite:build failed; the fault scenarios need the web build');
}
