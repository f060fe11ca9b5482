import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../../../db/local-services';
import { eventually, spawnWorker, waitForExit } from '../../support/worker-process';

/**
 * The real processes a fault scenario runs and breaks: the web server exactly as `npm start`
 * runs it, `npm run worker`, and a redis-server of its own that can be killed and restarted
 * empty on the same port. Every one is registered so that it dies with the test run, whatever
 * happens to the test.
 *
 * The web server and the worker are supervised as a process manager would run them in
 * production: one that exits without being told to is started again at once, and the crash is
 * recorded (with the end of its output) for the report.
 */

const live = new Set<{ killNow(): void }>();
let exitHookInstalled = false;

function register(handle: { killNow(): void }) {
  live.add(handle);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort (an uncaught failure, Ctrl-C): nothing this file started outlives the run.
    process.once('exit', () => {
      for (const h of live) h.killNow();
    });
  }
  return () => live.delete(handle);
}

/** Kills every process still registered; used by afterAll as a safety net. */
export function killAllStarted(): void {
  for (const h of live) h.killNow();
  live.clear();
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export interface Crash {
  at: number;
  /** The end of what the process printed before it died. */
  output: string;
}

export interface AppProcess {
  /** The last 20,000 characters it printed, across restarts. */
  output(): string;
  /** Exits the process did not get from the scenario; each was followed by a restart. */
  readonly crashes: readonly Crash[];
  /** SIGKILL (the whole process group where it has one), then waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts it again, the same way, and waits until it is ready. */
  restart(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s) and no more restarts. */
  stop(): Promise<void>;
}

interface Launch {
  child: ChildProcess;
  /** Resolves once the process is ready to work; rejects if it cannot start. */
  ready(log: () => string): Promise<void>;
}

function supervise(
  name: string,
  launch: () => Launch,
  ownGroup: boolean,
): AppProcess & { start(): Promise<void> } {
  let child: ChildProcess | null = null;
  let log = '';
  let supervising = true;
  const crashes: Crash[] = [];
  const signal = (current: ChildProcess, sig: NodeJS.Signals) => {
    try {
      if (ownGroup && current.pid) process.kill(-current.pid, sig);
      else current.kill(sig);
    } catch {
      // already gone
    }
  };
  const handle = {
    killNow: () => {
      supervising = false;
      if (child && running(child)) signal(child, 'SIGKILL');
    },
  };
  const unregister = register(handle);

  const start = async () => {
    const launched = launch();
    const current = launched.child;
    child = current;
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
    };
    current.stdout?.on('data', keep);
    current.stderr?.on('data', keep);
    current.once('exit', (code, sig) => {
      if (child !== current || !supervising) return;
      // Not asked to stop: a crash. Start it again, as a process manager would.
      crashes.push({ at: Date.now(), output: log.slice(-3000) });
      log += `\n--- ${name} exited (${code ?? sig}); restarted ---\n`;
      child = null;
      void start().catch((error: Error) => {
        log += `\n--- ${name} could not be restarted: ${error.message} ---\n`;
      });
    });
    const exited = new Promise<never>((_, reject) =>
      current.once('exit', (code, sig) =>
        reject(new Error(`${name} exited (${code ?? sig}) while starting:\n${log.slice(-5000)}`)),
      ),
    );
    exited.catch(() => {});
    await Promise.race([launched.ready(() => log), exited]);
  };

  const kill = async () => {
    const current = child;
    if (!current || !running(current)) return;
    child = null;
    signal(current, 'SIGKILL');
    await waitForExit(current);
  };

  return {
    start,
    output: () => log,
    crashes,
    kill,
    restart: async () => {
      log += `\n--- ${name} restarted by the scenario ---\n`;
      await start();
    },
    async stop() {
      supervising = false;
      const current = child;
      child = null;
      if (current && running(current)) {
        signal(current, 'SIGTERM');
        const force = setTimeout(() => signal(current, 'SIGKILL'), 10_000);
        await waitForExit(current);
        clearTimeout(force);
      }
      unregister();
    },
  };
}

export interface WebProcess extends AppProcess {
  readonly url: string;
}

/**
 * The web server as `npm start` runs it (whatever server that script names), in its own
 * process group so that a kill reaches the server and not just npm.
 */
export async function startWeb(env: Record<string, string>): Promise<WebProcess> {
  const port = await freePort();
  const web = supervise(
    'the web server',
    () => ({
      child: spawn('npm', ['run', 'start', '--silent'], {
        env: {
          ...process.env,
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          BATON_APP_NAME: 'baton-web',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
      ready: () => waitForPort(port, 60_000),
    }),
    true,
  );
  await web.start();
  return {
    ...web,
    url: `http://127.0.0.1:${port}`,
    async kill() {
      await web.kill();
      // The group's other members (the server under npm) die with it; wait for the port to close.
      await eventually(async () => !(await portOpen(port)), 10_000, 'the web port to close');
    },
  };
}

async function portOpen(port: number): Promise<boolean> {
  try {
    await waitForPort(port, 0);
    return true;
  } catch {
    return false;
  }
}

export type WorkerProcess = AppProcess;

/** `npm run worker` (tsx workers/main.ts), waited for until it says it is running. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = supervise(
    'the worker',
    () => {
      const child = spawnWorker({ ...env, BATON_APP_NAME: 'baton-worker' });
      return {
        child,
        ready: (log) => eventually(async () => / running \(/.test(log()), 60_000, 'the worker to start'),
      };
    },
    false,
  );
  await worker.start();
  return worker;
}

export interface RedisProcess {
  readonly url: string;
  /** SIGKILL: every key is gone, nothing was saved. */
  kill(): Promise<void>;
  /** A fresh, empty redis-server on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const redisBinary = () =>
  process.env.REDIS_SERVER_BIN ??
  (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server');

/**
 * A redis-server of this scenario's own (FLUSHALL and SIGKILL must not touch a shared one),
 * keeping nothing on disk, so a restart comes back empty.
 */
export async function startOwnRedis(dataRoot: string): Promise<RedisProcess> {
  const port = await freePort();
  const dir = path.resolve(dataRoot, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  let child: ChildProcess | null = null;
  const handle = {
    killNow: () => {
      if (child && running(child)) child.kill('SIGKILL');
    },
  };
  const unregister = register(handle);
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--maxmemory-policy', 'noeviction');
    const started = spawn(redisBinary(), args, { stdio: 'ignore', detached: true });
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once('spawn', () => resolve());
      started.once('error', reject);
    });
    await waitForPort(port, 20_000);
  };
  const kill = async () => {
    const current = child;
    if (!current || !running(current)) return;
    current.kill('SIGKILL');
    await waitForExit(current);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    async stop() {
      await kill();
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
