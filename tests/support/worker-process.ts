import { spawn, type ChildProcess } from 'node:child_process';

/** A real `npm run worker` process (tsx workers/main.ts) with its own environment. */
export function spawnWorker(env: Record<string, string>): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout?.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => child.output.push(chunk.toString()));
  return child;
}

export async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Polls `probe` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
