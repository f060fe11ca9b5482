import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from './connection-loss.server';

describe('a lost database connection', () => {
  it('is told apart from a statement that failed', () => {
    expect(isConnectionLoss(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      true,
    );
    expect(
      isConnectionLoss(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' })),
    ).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isConnectionLoss(new Error('no code'))).toBe(false);
    expect(isConnectionLoss(undefined)).toBe(false);
  });

  it('leaves the process running when its rejection has no handler, and any other one still ends it', () => {
    const script = `
      import { surviveLostDatabaseConnections } from './app/utils/connection-loss.server.ts';
      surviveLostDatabaseConnections((line) => console.log(line));
      void Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
      setTimeout(() => { console.log('still running'); void Promise.reject(new Error('a real bug')); }, 20);
      setTimeout(() => console.log('not reached'), 500);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stdout).toContain('database connection lost (57P01');
    expect(run.stdout).toContain('still running');
    expect(run.stdout).not.toContain('not reached');
    expect(run.stderr).toContain('a real bug');
    expect(run.status).not.toBe(0);
  });
});
