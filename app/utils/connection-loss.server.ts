/**
 * postgres.js 3.4.9 runs an array-type query on every new or re-made connection and drops its
 * promise (`fetchArrayTypes` in src/connection.js; porsager/postgres#1192, #1223). When that
 * connection is lost during the query — `pg_terminate_backend`, a restart, a failover — the
 * rejection has no handler, and Node ends the process on an unhandled rejection. The connection
 * is gone either way and the pool makes a new one for the next query, so a lost connection is
 * logged and the process goes on. Any other unhandled rejection still ends it, as before.
 */

/** SQLSTATEs and driver codes that mean the connection went away, not that a statement was wrong. */
const CONNECTION_LOST = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

export function isConnectionLoss(reason: unknown): boolean {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (CONNECTION_LOST.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

let installed = false;

export function surviveLostDatabaseConnections(log: (line: string) => void = console.error): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (!isConnectionLoss(reason)) throw reason;
    const { code, message } = reason as { code: string; message?: string };
    log(`database connection lost (${code}: ${message ?? ''}); the pool reconnects`);
  });
}
