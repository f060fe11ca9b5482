import { spawn, type ChildProcess } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../../db/local-services';
import { eventually } from './worker-process';

/**
 * `npm start`'s server (app/server/main.ts) as a real process over the production build, and
 * requests to it over a fresh connection each, sent exactly as written.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WebServer {
  child: ChildProcess;
  port: number;
  log: () => string;
  exited: Promise<number | null>;
}

/**
 * The server as production runs it, with `serverEnv` (its DATABASE_URL, REDIS_URL, REDIS_PREFIX,
 * APP_SECRET…); HOST set so the address it prints is checked too.
 */
export async function startWebServer(serverEnv: Record<string, string>): Promise<WebServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'app', 'server', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      ...serverEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const died = exited.then((code) => {
    throw new Error(`the web server exited (${code}) before listening:\n${output}`);
  });
  died.catch(() => {});
  await Promise.race([waitForPort(port, 30_000), died]);
  await eventually(async () => output.includes('listening on'), 10_000, 'the "listening on" line');
  return { child, port, log: () => output, exited };
}

export async function stopWebServer(web: WebServer | undefined) {
  if (!web || web.child.exitCode !== null || web.child.signalCode !== null) return;
  const force = setTimeout(() => web.child.kill('SIGKILL'), 10_000);
  web.child.kill('SIGTERM');
  await web.exited;
  clearTimeout(force);
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/**
 * One request over a fresh connection, the path sent exactly as written (fetch would tidy `..`
 * away before it left the test), the body not decompressed.
 */
export function call(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method, path: target, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: bytes,
            text: bytes.toString(),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
