import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The test command must be able to fail. Each case runs vitest in a child process exactly as
 * `npm test` does on a machine with no DATABASE_URL and no REDIS_URL (an embedded Postgres and
 * a private redis-server, in a data folder of the child's own), on a fixture that passes, fails
 * or does not load, and reads both the exit code and the runner's own summary line.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Kept between runs like .data/test, so that only the first run pays for initdb. Not under the
// system's temp folder: as root, the embedded server runs as a `postgres` user that must reach it.
const dataDir = path.join(root, '.data', 'test-command');
const fixtures = 'tests/fixtures/exit-code';

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_TEST_DATA_DIR: dataDir, CI: 'true', NO_COLOR: '1' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  // Vitest marks its workers; a child run must not think it is one of ours.
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const vitest = (fixture: string) =>
  run(process.execPath, [
    path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--config',
    `${fixtures}/vitest.config.ts`,
    `${fixtures}/${fixture}`,
  ]);

describe('the test command, with the embedded Postgres and a private Redis', () => {
  // One after the other: they share the child's data folder and its embedded server.
  it('exits 0 when every test passes', async () => {
    const { code, output } = await vitest('passes.fixture.ts');
    expect(output).toMatch(/Tests\s+1 passed \(1\)/);
    expect(code).toBe(0);
  });

  it('exits non-zero when a test fails', async () => {
    const { code, output } = await vitest('fails.fixture.ts');
    expect(output).toMatch(/Tests\s+1 failed \(1\)/);
    expect(code).not.toBe(0);
  });

  it('exits non-zero when a test file fails to load', async () => {
    const { code, output } = await vitest('does-not-load.fixture.ts');
    expect(output).toMatch(/Test Files\s+1 failed \(1\)/);
    expect(output).toContain('a fixture that fails to load on purpose');
    expect(code).not.toBe(0);
  });

  it('keeps the exit code a bench sets after stopping its embedded Postgres', async () => {
    const { code, output } = await run(process.execPath, [
      '--import',
      'tsx',
      path.join(root, fixtures, 'sets-exit-code.ts'),
    ]);
    expect(code, output).toBe(3);
  });
});
