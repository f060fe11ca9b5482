/**
 * Who closes the process's pool and Redis connections when a stop signal arrives. By default each
 * module closes its own at the signal (db.server, loop.server, import-queue.server), so that a
 * server that merely stops listening (the dev server) still lets the process exit. The production
 * web server (app/server/main.ts) first lets the requests in flight finish, and they need those
 * connections, so it closes them itself, last. Kept on globalThis: the server build bundles its
 * own copies of these modules, and both copies must read the same answer.
 */
const processWide = globalThis as typeof globalThis & { batonShutdownLeftToCaller?: boolean };

/** Call before the first request opens a connection. */
export function leaveShutdownToCaller(): void {
  processWide.batonShutdownLeftToCaller = true;
}

export const shutdownLeftToCaller = (): boolean => processWide.batonShutdownLeftToCaller === true;
