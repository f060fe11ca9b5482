import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import { surviveLostDatabaseConnections } from '../utils/connection-loss.server';
import { closeDatabase } from '../utils/db.server';
import { ConfigError, parseEnv } from '../utils/env.server';
import { closeImportQueue } from '../utils/import-queue.server';
import { closeLoop } from '../utils/loop.server';
import { leaveShutdownToCaller } from '../utils/shutdown.server';
import { answerClientError, createRequestListener } from './http-adapter';
import { trackRequests } from './requests-in-flight';
import { listStaticFiles } from './static-files';

/**
 * `npm start`: the production web server. Node's HTTP server, the files of build/client, and
 * Remix's request handler over build/server, with the security headers on every answer and
 * cross-site form posts refused before Remix (see http-adapter.ts). PORT (3000) and HOST (every
 * interface) as remix-serve read them. SIGTERM or SIGINT: stop listening, let the requests in
 * hand finish (up to SHUTDOWN_GRACE_MS), close the database pool and the Redis queues, exit 0.
 */

// As remix-serve: the production build is served as production unless told otherwise. Nothing
// imported above reads NODE_ENV when loaded; react-dom, inside the build, does.
process.env.NODE_ENV ??= 'production';

// A Postgres connection lost at the wrong moment must not end the server (connection-loss.server).
surviveLostDatabaseConnections();

/** Under the 10 s that the demo and `docker stop` wait before SIGKILL, with room for the close. */
const SHUTDOWN_GRACE_MS = 5_000;
/** Closing the pool waits for running queries; past the grace, those belong to abandoned requests. */
const CLOSE_TIMEOUT_MS = 2_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverBuildPath = path.join(root, 'build', 'server', 'index.js');

class StartError extends Error {}

async function start(): Promise<void> {
  const env = parseEnv();
  const host = env.HOST;
  // Before the build opens a connection: its requests need them until they have drained.
  leaveShutdownToCaller();

  if (!existsSync(serverBuildPath)) {
    throw new StartError(
      `No server build at ${path.relative(root, serverBuildPath)}: run \`npm run build\` first.`,
    );
  }
  const build = (await import(pathToFileURL(serverBuildPath).href)) as ServerBuild;
  if (build.publicPath !== '/') {
    throw new StartError(
      `The build's publicPath is ${build.publicPath}; this server serves build/client at / only.`,
    );
  }
  const staticFiles = await listStaticFiles(path.resolve(root, build.assetsBuildDirectory));

  const server = createServer({ requireHostHeader: false });
  const requests = trackRequests(server);
  server.on(
    'request',
    createRequestListener({
      handleRequest: createRequestHandler(build),
      staticFiles,
      stopping: () => requests.stopping,
    }),
  );
  server.on('clientError', answerClientError);
  await listen(server, env.PORT, host);
  console.log(`listening on ${addressOf(server, host)}`);

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        console.log(`${signal} again: stopping at once`);
        process.exit(1);
      }
      stopping = true;
      console.log(`${signal}: stopping; ${requests.count} requests in flight`);
      void stop(requests).then(() => process.exit(0));
    });
  }
}

async function stop(requests: ReturnType<typeof trackRequests>): Promise<void> {
  const { unfinished } = await requests.drain(SHUTDOWN_GRACE_MS);
  if (unfinished > 0) {
    console.warn(`${unfinished} requests still running after ${SHUTDOWN_GRACE_MS} ms were cut off`);
  }
  // The build's copies of these modules keep their handles on globalThis, so these close them.
  await Promise.race([
    Promise.allSettled([closeDatabase(), closeLoop(), closeImportQueue()]),
    new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS)),
  ]);
  console.log('stopped');
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartError(`PORT ${port} is already in use: set PORT to a free port.`)
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

function addressOf(server: Server, host: string | undefined): string {
  const { address, port } = server.address() as AddressInfo;
  const everywhere = address === '::' || address === '0.0.0.0';
  const name = !host && everywhere ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return `http://${name}:${port}`;
}

/**
 * WEB_PROCESSES > 1: this process only forks that many servers, which share the port (node:cluster
 * hands each connection to one of them), replaces one that dies, and on SIGTERM passes it on and
 * exits 0 once every server has drained and stopped (Ctrl-C reaches them all by itself). Rendering a page is CPU,
 * and one Node process uses one core.
 */
function superviseServers(count: number): void {
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`web server ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
    cluster.fork();
  });
  process.on('SIGTERM', () => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  // Ctrl-C reaches every process of the terminal's group already: passing it on would be a
  // second signal, which stops a server at once instead of letting it drain.
  process.on('SIGINT', () => {
    stopping = true;
  });
}

try {
  const processes = cluster.isPrimary ? parseEnv().WEB_PROCESSES : 1;
  if (processes > 1) superviseServers(processes);
  else await start();
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof StartError ? error.message : error);
  process.exit(1);
}
