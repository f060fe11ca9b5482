/**
 * A browser's form posts against the real web server, reduced to what the ledger needs: did
 * the server answer, and how. A connection the server refused means the request never reached
 * it; any other failure (a reset, a timeout) leaves its effect unknown.
 */
export type PostOutcome =
  | { kind: 'answered'; status: number; location: string | null }
  | { kind: 'not_delivered'; error: string }
  | { kind: 'unknown'; error: string };

export interface Session {
  userId: number;
  cookie: string;
  csrf: string;
}

/** The production session cookie (NODE_ENV=production names it `__Host-…`). */
export const PRODUCTION_SESSION_COOKIE = '__Host-baton_session';

export async function postForm(
  baseUrl: string,
  path: string,
  session: Session,
  fields: Record<string, string>,
  timeoutMs = 20_000,
): Promise<PostOutcome> {
  try {
    const response = await fetch(baseUrl + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: session.cookie },
      body: new URLSearchParams({ ...fields, csrf: session.csrf }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the body so that the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'answered', status: response.status, location: response.headers.get('location') };
  } catch (error) {
    const code = causeCode(error);
    if (code === 'ECONNREFUSED') return { kind: 'not_delivered', error: code };
    return { kind: 'unknown', error: code ?? (error instanceof Error ? error.message : String(error)) };
  }
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
