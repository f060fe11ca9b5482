import { createDatabase, type Database } from '../../db/client';
import { env } from './env.server';
import { shutdownLeftToCaller } from './shutdown.server';

type DatabaseHandle = ReturnType<typeof createDatabase>;

// One pool per process. Vite's dev server re-imports changed modules, so the handle lives on
// globalThis: otherwise every edit would open another pool and leak the old one's connections.
// The production server (app/server/) reaches the same pool as the server build's own copy of
// this module through it too.
const processWide = globalThis as typeof globalThis & {
  batonDatabase?: DatabaseHandle;
  batonDatabaseClosesOnShutdown?: boolean;
};

/** The web process's database, opened on first use from DATABASE_URL. */
export function database(): Database {
  if (!processWide.batonDatabase) {
    processWide.batonDatabase = createDatabase(env().DATABASE_URL);
    closeOnShutdown();
  }
  return processWide.batonDatabase.db;
}

/** Ends the pool (tests, shutdown), letting running queries finish; the next `database()` opens a new one. */
export async function closeDatabase(): Promise<void> {
  const handle = processWide.batonDatabase;
  processWide.batonDatabase = undefined;
  await handle?.close();
}

/**
 * Open pool connections keep Node's event loop alive, so without this a SIGTERM closes a
 * server's listener (the dev server's, `remix vite:dev`) but the process never exits. Where
 * nobody else handles the signal, it is raised again once the pool is closed, so the process
 * still ends as it would have.
 */
function closeOnShutdown() {
  if (processWide.batonDatabaseClosesOnShutdown || shutdownLeftToCaller()) return;
  processWide.batonDatabaseClosesOnShutdown = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handledElsewhere = process.listenerCount(signal) > 0;
    process.once(signal, () => {
      void closeDatabase().finally(() => {
        if (!handledElsewhere) process.kill(process.pid, signal);
      });
    });
  }
}
