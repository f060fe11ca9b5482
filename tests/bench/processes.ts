import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort, waitForPort } from '../../db/local-services';

/**
 * The processes a bench starts (workers, the web server) and their memory. Every one is
 * registered for cleanup, so that a failing or interrupted bench leaves nothing running.
 */

const cleanups = new Set<() => Promise<void>>();

/** Runs every registered cleanup (newest first); safe to call more than once. */
export async function cleanUpProcesses(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    await cleanup().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  }
}

export type BenchChild = ChildProcess & { output: string[]; errorLines: number; label: string };

function keepOutput(child: BenchChild) {
  const keep = (data: Buffer) => {
    const text = data.toString();
    // Lines about failed jobs or errors (a deadlock retried is logged as neither).
    child.errorLines += text.split('\n').filter((line) => /failed|error/i.test(line)).length;
    child.output.push(text);
    if (child.output.length > 200) child.output.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

/** A real worker process (`npm run worker` is `tsx workers/main.ts`) with its own environment. */
export function spawnWorker(label: string, env: Record<string, string>): BenchChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as BenchChild;
  child.output = [];
  child.errorLines = 0;
  child.label = label;
  keepOutput(child);
  const cleanup = () => stopChild(child);
  cleanups.add(cleanup);
  child.once('exit', () => cleanups.delete(cleanup));
  return child;
}

export async function waitForOutput(child: BenchChild, text: string, timeoutMs: number): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!child.output.join('').includes(text)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${child.label} exited: ${child.output.join('').slice(-2000)}`);
    if (Date.now() > giveUp) throw new Error(`${child.label} not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** SIGTERM (the worker finishes the jobs in hand), SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface WebServer {
  url: string;
  /** npm's pid; the server runs in its process group. */
  pid: number;
  child: BenchChild;
  /** Every process of the group except npm itself (sh, the server). */
  serverPids(): number[];
  stop(): Promise<void>;
}

/**
 * The production web server exactly as `npm start` runs it (whatever that script starts), in
 * its own process group so that npm, its shell and the server can be stopped together.
 */
export async function startWebServer(env: Record<string, string>, timeoutMs = 60_000): Promise<WebServer> {
  const port = await freePort();
  const child = spawn('npm', ['run', 'start', '--silent'], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  }) as BenchChild;
  child.output = [];
  child.errorLines = 0;
  child.label = 'web server';
  keepOutput(child);
  const pid = child.pid!;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    // npm may exit before the server it started: make sure the whole group is gone.
    const giveUp = Date.now() + 15_000;
    while (groupPids(pid).length > 0 && Date.now() < giveUp) await sleep(100);
    signalGroup('SIGKILL');
  };
  cleanups.add(stop);
  child.once('exit', () => {
    if (groupPids(pid).length === 0) cleanups.delete(stop);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`npm start exited (${signal ?? code}): ${child.output.join('').slice(-3000)}`)),
    ),
  );
  exited.catch(() => {});
  await Promise.race([waitForPort(port, timeoutMs), exited]);
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    child,
    serverPids: () => groupPids(pid).filter((p) => p !== pid),
    stop,
  };
}

/** The pids of every live process in process group `pgid`, from /proc. */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Resident and peak resident memory (VmRSS, VmHWM) of a live process in MiB, or null. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kb('VmRSS');
    const hwm = kb('VmHWM');
    if (Number.isNaN(hwm)) return null;
    return { rssMiB: rss / 1024, peakMiB: hwm / 1024 };
  } catch {
    return null;
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system) used so far by the live processes `pids`, in seconds, from /proc. */
export function cpuSecondsOf(pids: number[]): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after "state".
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / clockTicks;
}

/** Jiffies of all cores since boot, busy and in all (from the first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export interface MemoryPeak {
  /** Highest VmHWM of one process of the kind. */
  peakMiB: number;
  /** Highest sum of VmRSS over the processes of the kind at one sample. */
  peakTotalRssMiB: number;
  processes: number;
}

/**
 * Samples the memory of the processes of each kind ("web", "worker") every `intervalMs`,
 * keeping each kind's peak. VmHWM is the kernel's own high-water mark of a process, so a
 * sample taken before it exits sees its true peak, even between samples.
 */
export class MemoryWatch {
  private readonly sources = new Map<string, Set<() => number[]>>();
  private readonly peaks = new Map<string, MemoryPeak & { pids: Set<number> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 1000) {}

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Watches the processes `pids()` returns as `kind` until `forget` is called. */
  watch(kind: string, pids: () => number[]): () => void {
    const set = this.sources.get(kind) ?? new Set();
    set.add(pids);
    this.sources.set(kind, set);
    return () => {
      this.sample();
      set.delete(pids);
    };
  }

  sample(): void {
    for (const [kind, set] of this.sources) {
      const peak = this.peaks.get(kind) ?? { peakMiB: 0, peakTotalRssMiB: 0, processes: 0, pids: new Set() };
      let total = 0;
      for (const source of set) {
        for (const pid of source()) {
          const memory = memoryOf(pid);
          if (!memory) continue;
          peak.pids.add(pid);
          peak.peakMiB = Math.max(peak.peakMiB, memory.peakMiB);
          total += memory.rssMiB;
        }
      }
      peak.peakTotalRssMiB = Math.max(peak.peakTotalRssMiB, total);
      peak.processes = peak.pids.size;
      this.peaks.set(kind, peak);
    }
  }

  peak(kind: string): MemoryPeak | null {
    const peak = this.peaks.get(kind);
    if (!peak || peak.processes === 0) return null;
    return { peakMiB: peak.peakMiB, peakTotalRssMiB: peak.peakTotalRssMiB, processes: peak.processes };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
