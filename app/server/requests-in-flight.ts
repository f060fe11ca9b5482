import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Stopping without dropping anyone: the listener closes at once (the load balancer or the
 * orchestrator sends new visitors to another process), the requests already in hand get a
 * bounded time to finish, and each connection closes behind its last answer instead of waiting
 * in keep-alive for a request that would find nobody listening.
 */
export interface RequestsInFlight {
  readonly stopping: boolean;
  readonly count: number;
  /** Stops accepting, waits up to `graceMs` for the requests in hand, then cuts what is left. */
  drain(graceMs: number): Promise<{ unfinished: number }>;
}

export function trackRequests(server: Server): RequestsInFlight {
  let count = 0;
  let stopping = false;
  let allAnswered: (() => void) | undefined;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    count += 1;
    // 'close' comes after the last byte, or when the connection breaks first: either way done.
    res.once('close', () => {
      count -= 1;
      if (!stopping) return;
      server.closeIdleConnections();
      if (count === 0) allAnswered?.();
    });
  });
  return {
    get stopping() {
      return stopping;
    },
    get count() {
      return count;
    },
    async drain(graceMs) {
      stopping = true;
      // Closes the listener and every keep-alive connection not in the middle of a request.
      server.close();
      if (count > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          allAnswered = resolve;
          timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
      }
      const unfinished = count;
      server.closeAllConnections();
      return { unfinished };
    },
  };
}
