import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppLoadContext } from '@remix-run/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestListener } from '../server/http-adapter';
import { clientAddress } from './auth.server';

/**
 * The address throttling sees, end to end through the production HTTP adapter: Node's socket,
 * the load context Remix hands to actions, and clientAddress. The rules themselves are in
 * tests/integration/auth-sign-in.test.ts.
 */

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose every answer is the client address it saw, with this many trusted proxies. */
async function serveAddress(trustedProxies: number): Promise<number> {
  const handleRequest = async (request: Request, context?: AppLoadContext) =>
    new Response(clientAddress(request, context, trustedProxies));
  server = createServer(
    createRequestListener({ handleRequest, staticFiles: { answer: () => null }, stopping: () => false }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function addressSeen(port: number, forwardedFor: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path: '/', headers: { 'X-Forwarded-For': forwardedFor }, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(text));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('the client address behind the HTTP adapter', () => {
  it("is the socket's peer when no proxy is trusted, however X-Forwarded-For is forged", async () => {
    const port = await serveAddress(0);
    expect(await addressSeen(port, '192.0.2.5')).toBe('127.0.0.1');
  });

  it('is the entry the trusted proxy appended when TRUST_PROXY says one is in front', async () => {
    const port = await serveAddress(1);
    expect(await addressSeen(port, '6.6.6.6, 192.0.2.5')).toBe('192.0.2.5');
  });
});
