import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../db/schema';
import { ensurePostgres, ensureRedis, RedisUnavailableError, waitForPort } from '../db/local-services';
import { migrateDatabase } from '../db/migrate';
import { systemClock } from '../app/domain/clock';
import { seedDemoData } from './seed';
import {
  ConfigError,
  SIGNALS,
  delay,
  messageOf,
  pingRedis,
  printWelcome,
  readConfig,
  redact,
  requireFreePort,
  stopChild,
  stopEmbeddedPostgres,
  stopWorker,
} from './demo/support';
import { surviveLostDatabaseConnections } from '../app/utils/connection-loss.server';
import { workerEmailOptions } from '../app/utils/env.server';
import { startDemoMailCapture } from './demo/mail-capture';
import { startWorker } from './start-worker';

/**
 * `npm run demo`: the whole portal on one machine. Postgres and Redis come from DATABASE_URL /
 * REDIS_URL, else an embedded Postgres and a private redis-server; then migrations, demo data,
 * the worker (in this process) and the web server (a child process). Ctrl-C stops all of it.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = path.join(root, '.data', 'demo');
const serverBuild = path.join(root, 'build', 'server', 'index.js');
const webServer = path.join(root, 'app', 'server', 'main.ts');

const say = (line: string) => console.log(`[demo] ${line}`);

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

  const mail = process.env.SMTP_URL
    ? null
    : await step('starting the mail capture', () => startDemoMailCapture(pg.url));
  if (mail) await started('the mail capture', mail.stop);
  say(
    mail ? `mail: caught at ${mail.url}, shown at http://localhost:${env.PORT}/dev/mail` : 'mail: SMTP_URL',
  );

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
      email: workerEmailOptions({ ...env, SMTP_URL: mail?.url ?? env.SMTP_URL }),
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

// The demo hosts a worker: a lost Postgres connection must not end it (connection-loss.server).
surviveLostDatabaseConnections();

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
  // `npm start`'s server, as production runs it (app/server/main.ts).
  const web = spawn(process.execPath, ['--import', 'tsx', webServer], {
    cwd: root,
    stdio: 'inherit',
    // Its own process group: a Ctrl-C reaches it only through stopChild(), once, after which it
    // finishes the requests in hand and closes the pool (a second signal would stop it at once).
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NODE_ENV: 'production',
      DEMO_MODE: 'on',
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
