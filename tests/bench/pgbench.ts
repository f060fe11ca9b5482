import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Creates pgbench's tables at scale 10 in `url`; false when pgbench is not installed. */
export async function pgbenchInit(url: string): Promise<boolean> {
  try {
    await run('pgbench', ['-i', '-q', '-s', '10', url], { maxBuffer: 16 * 1024 * 1024 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Transactions per second of pgbench's built-in TPC-B-like script. */
export async function pgbenchTps(url: string, clients: number, seconds: number): Promise<number> {
  const { stdout } = await run('pgbench', ['-c', String(clients), '-j', '2', '-T', String(seconds), url]);
  const match = /tps = ([0-9.]+)/.exec(stdout);
  if (!match) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(match[1]);
}
